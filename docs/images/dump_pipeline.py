#!/usr/bin/python3
# Regenerates docs/images/triple-stream.{dot,svg}: runs the triple-stream
# pipeline for 1.5 s and dumps its graph. Run from the top directory:
#   GST_DEBUG_DUMP_DOT_DIR=/tmp GST_PLUGIN_PATH=build/gst /usr/bin/python3 docs/images/dump_pipeline.py
#   cp /tmp/triple-stream.dot docs/images/ && dot -Tsvg docs/images/triple-stream.dot -o docs/images/triple-stream.svg
# (dot is in Debian's graphviz package.)
import gi, time, os
gi.require_version("Gst","1.0")
from gi.repository import Gst
Gst.init(None)
p = Gst.parse_launch(
 "ffmpegsrc name=src input-format=lavfi input-options=-re device=sine=sample_rate=384000 "
 "! audio/x-raw,format=S16LE,rate=384000,channels=1 ! tee name=t "
 "t. ! queue name=raw_queue ! segmentsink name=raw location=/tmp/dotdump/raw "
 "t. ! queue name=processed_queue ! audioresample ! audio/x-raw,rate=48000 ! tee name=p "
 "p. ! segmentsink name=processed location=/tmp/dotdump/processed "
 "p. ! besteffortsink name=stream branch=\"audioconvert ! opusenc bitrate=64000 ! oggmux ! fakesink\"")
p.set_state(Gst.State.PLAYING)
time.sleep(1.5)
Gst.debug_bin_to_dot_file(p, Gst.DebugGraphDetails.MEDIA_TYPE | Gst.DebugGraphDetails.STATES, "triple-stream")
p.set_state(Gst.State.NULL)
