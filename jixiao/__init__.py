"""jixiao 绩效: the CLI, settings and store."""
