error("files in hidden directories must never be run by test discovery")
