#!/usr/bin/python3
"""A vetalliance client in Python, from the .proto files alone.

Registers a centre, then tails the events with catch-up (the Clone
pattern of docs/PROTOCOL.md): subscribe first, ask the command endpoint for
the events after the last seq handled (EventsSince, in pages), drop
duplicates, and on a gap (or a heartbeat that is ahead) ask again.

Needs Debian's protobuf-compiler, python3-zmq and python3-protobuf; run it
with /usr/bin/python3 (the interpreter whose protobuf matches protoc):

    /usr/bin/python3 examples/python/vetwatch_client.py \\
        --cmd tcp://127.0.0.1:7700 --pub tcp://127.0.0.1:7701 --centre PYDEMO

--check: exit 0 once the centre's own event has been seen with every seq
before it exactly once and in order (the test suite runs it so), else 1.
"""
import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import uuid

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))


def load_proto(proto_dir):
    """protoc --python_out into a temporary directory, then import it."""
    out = tempfile.mkdtemp(prefix="vetalliance-py-")
    subprocess.run(["protoc", "-I", proto_dir, "--python_out", out,
                    os.path.join(proto_dir, "vetalliance.proto")], check=True)
    sys.path.insert(0, out)
    return importlib.import_module("vetalliance_pb2")


class Client:
    def __init__(self, pb, ctx, endpoint):
        self.pb = pb
        self.sock = ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)

    def call(self, req, timeout_ms=3000, attempts=5):
        """Send req; on timeout send the same bytes again (same request_id)."""
        if not req.request_id:
            req.request_id = uuid.uuid4().hex
        data = req.SerializeToString()
        for _ in range(attempts):
            self.sock.send(data)
            while self.sock.poll(timeout_ms):
                reply = self.pb.Reply.FromString(self.sock.recv())
                if reply.request_id == req.request_id:
                    return reply
        raise TimeoutError("no reply from the daemon")


def event_type(ev):
    return ev.WhichOneof("payload").replace("_", ".", 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proto-dir", default=os.path.join(HERE, "..", "..", "proto"))
    ap.add_argument("--cmd", default="tcp://127.0.0.1:7700")
    ap.add_argument("--pub", default="tcp://127.0.0.1:7701")
    ap.add_argument("--centre", default="PYDEMO")
    ap.add_argument("--from-seq", type=int, default=1)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()

    pb = load_proto(args.proto_dir)
    ctx = zmq.Context()
    client = Client(pb, ctx, args.cmd)

    # 1. Subscribe first, so nothing falls between catch-up and live.
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(args.pub)

    # 2. Register a centre (ALREADY_EXISTS on a second run is fine).
    req = pb.Request()
    c = req.centre_register.centre
    c.id, c.name, c.kind = args.centre, "Python example", pb.CENTRE_KIND_VET_CENTRE
    c.partner, c.country = "IEFP", "PT"
    reply = client.call(req)
    print("register:", pb.Status.Name(reply.status), reply.seq, reply.message, flush=True)
    if reply.status not in (pb.STATUS_OK, pb.STATUS_ALREADY_EXISTS):
        return 1
    target = reply.seq

    # 3. Catch up from the cursor, then tail.
    cursor = args.from_seq - 1   # last seq handled
    seen = []
    known_last = 0
    done = False

    def handle(ev):
        nonlocal cursor, done
        seen.append(ev.seq)
        cursor = ev.seq
        payload = getattr(ev, ev.WhichOneof("payload"))
        print(ev.seq, event_type(ev), ev.actor, getattr(payload, "id", ""), flush=True)
        if (event_type(ev) == "centre.registered" and payload.id == args.centre
                and ev.seq == target):
            done = True

    def catch_up():
        nonlocal cursor, known_last
        while True:
            r = pb.Request()
            r.events_since.from_seq = cursor + 1
            r.events_since.max_events = 1000
            rep = client.call(r)
            if rep.status == pb.STATUS_FAILED_PRECONDITION:
                # History was compacted: start at the oldest kept event
                # (a real client would re-read the state with state_get).
                print("compacted:", rep.message, flush=True)
                cursor = rep.events.first_seq - 1
                continue
            if rep.status != pb.STATUS_OK:
                raise RuntimeError(rep.message)
            known_last = max(known_last, rep.events.last_seq)
            for ev in rep.events.events:
                if ev.seq == cursor + 1:
                    handle(ev)
            if not rep.events.more:
                return

    catch_up()
    deadline = __import__("time").monotonic() + args.timeout
    while not done:
        if __import__("time").monotonic() > deadline:
            print("timed out", file=sys.stderr)
            return 1
        if not sub.poll(500):
            continue
        topic, data = sub.recv_multipart()
        ev = pb.Event.FromString(data)
        if topic == b"daemon.heartbeat":
            if ev.daemon_heartbeat.last_seq > cursor:
                catch_up()
            continue
        if ev.seq <= cursor:
            continue                      # a duplicate of a caught-up event
        if ev.seq != cursor + 1:
            catch_up()                    # a gap: ask again
            continue
        handle(ev)

    if args.check:
        want = list(range(args.from_seq, target + 1))
        if seen[:len(want)] != want:
            print("events out of order or missing", file=sys.stderr)
            return 1
    print("ok: saw the centre's event at seq", target, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
