"""Microphone, VAD, wake phrase, speech recognition and intents. Built by the voice issue."""
