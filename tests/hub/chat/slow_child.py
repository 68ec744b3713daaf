"""Stands in for the preview converter in tests/hub/chat/test_previews.py: never answers."""

import time

if __name__ == "__main__":
    time.sleep(60)
