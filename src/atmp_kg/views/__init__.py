"""The views in queries/: their catalog and parameter binding, the engines that run them, and results."""
