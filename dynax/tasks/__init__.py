"""Tasks made in code (no downloads): chaotic series to predict and cognitive tasks
to train networks on, each returning arrays of inputs and targets."""
