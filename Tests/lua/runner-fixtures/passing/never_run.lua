error("never_run.lua must never be run by test discovery")
