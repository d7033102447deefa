"""Fault-injection tests: a real daemon under disk, lock, fd, sound-server and client faults."""
