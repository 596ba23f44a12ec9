#!/usr/bin/env python3
"""kensa lab RTSP camera: GStreamer's RTSP server (gst-rtsp-server, Debian's
gir1.2-gst-rtsp-server-1.0) serving a live test picture on /live behind Digest authentication
with one default account, as IP cameras ship.

    rtsp-camera.py ADDRESS PORT USER PASSWORD [basic|digest]
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def main():
    address, port, user, password = sys.argv[1:5]
    method = sys.argv[5] if len(sys.argv) > 5 else "digest"
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(address)
    server.set_service(port)

    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", "viewer")
    if method == "basic":
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
    else:
        auth.add_digest(user, password, token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    server.set_auth(auth)

    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        "( videotestsrc is-live=true ! video/x-raw,format=UYVY,width=160,height=120,framerate=5/1 "
        "! rtpvrawpay name=pay0 pt=96 )")
    factory.set_shared(True)
    role = Gst.Structure.from_string(
        "viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")[0]
    factory.add_role_from_structure(role)
    server.get_mount_points().add_factory("/live", factory)
    if server.attach(None) == 0:
        sys.exit(f"rtsp-camera: cannot listen on {address}:{port}")
    print(f"rtsp-camera: rtsp://{address}:{port}/live ({method}, {user})", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
