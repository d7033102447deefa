"""When and where the listener is: the Context snapshot. Built by the context issue."""
