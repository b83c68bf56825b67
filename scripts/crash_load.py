"""kill -9 of the local server in the middle of a load, then the two promises checked
(scripts/crash-test.sh runs this; Python's standard library only, loopback only):

1. every application answered 201 before the kill is in the database after it, exactly once;
2. retrying every unanswered one with its submission_id stores each exactly once.

    python3 scripts/crash_load.py HANDLER_BINARY CATALOG_JSON SECONDS
"""

import hashlib
import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid

THREADS = 8


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def application(submission_id):
    return json.dumps({
        "name": "試験 花子", "email": "crash@example.jp", "age_band": "30s", "industry": "it",
        "company_size": "sme", "job_function": "engineering", "situations": ["raising_children"],
        "topics": ["leadership", "confidence"], "preferences": ["same_industry", "sme"],
        "plan": "standard", "applicant_type": "individual", "consent": True,
        "submission_id": submission_id,
    })


class Server:
    def __init__(self, binary, catalog, data, port):
        env = dict(os.environ, MIKKE_CATALOG=catalog, MIKKE_DATA_DIR=data, MIKKE_PORT=str(port),
                   MIKKE_RATE_LIMIT="1000000", RUST_LOG="warn")
        self.port = port
        self.process = subprocess.Popen([binary], env=env, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _ = post_once(port, "GET", "/api/health", None)
                if status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("crash test: the handler did not start")
            time.sleep(0.02)


def post_once(port, method, path, body, connection=None):
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"} if body else {}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def load(port, stop, answered, unanswered, lock):
    """Posts distinct applications until the server goes away or `stop` is set."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while not stop.is_set():
        submission = f"crash-{uuid.uuid4()}"
        try:
            status, body = post_once(port, "POST", "/api/applications", application(submission), conn)
        except (OSError, http.client.HTTPException):
            with lock:
                unanswered.append(submission)
            return  # the server is gone: this thread's load ends
        with lock:
            if status == 201:
                answered[submission] = json.loads(body)["id"]
            else:
                raise SystemExit(f"crash test: unexpected answer {status} before the kill")


def key(submission):
    """The store's idempotency key of a submission_id (handler/src/forms/idempotency.rs)."""
    return "application#" + hashlib.sha256(b"submission_id\0" + submission.encode()).hexdigest()


def stored(db):
    """{submission key: [record ids]} from the markers, and the number of records."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT i.key, r.id FROM idempotency i JOIN records r "
        "ON r.kind = i.kind AND r.id = i.record_id WHERE i.kind = 'application'").fetchall()
    total = conn.execute("SELECT count(*) FROM records WHERE kind = 'application'").fetchone()[0]
    conn.close()
    by_key = {}
    for k, record_id in rows:
        by_key.setdefault(k, []).append(record_id)
    return by_key, total


def outbox(db):
    """Application ids with the sorted ids of their outbox entries, and orphan entries."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    ids = [r[0] for r in conn.execute("SELECT id FROM records WHERE kind = 'application'")]
    mails = [r[0] for r in conn.execute("SELECT id FROM outbox")]
    conn.close()
    by_app = {i: [] for i in ids}
    orphans = []
    for m in mails:
        # `<time>-<application id>.<what>` (handler/src/notify/events.rs)
        app = m.rsplit(".", 1)[0].split("-", 1)[1]
        if app in by_app:
            by_app[app].append(m.rsplit(".", 1)[1])
        else:
            orphans.append(m)
    return by_app, orphans


def main():
    binary, catalog, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    data = tempfile.mkdtemp(prefix="mikke-crash-")
    port = free_port()
    server = Server(binary, catalog, data, port)
    answered, unanswered, lock, stop = {}, [], threading.Lock(), threading.Event()
    threads = [threading.Thread(target=load, args=(port, stop, answered, unanswered, lock))
               for _ in range(THREADS)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    server.process.kill()  # SIGKILL: no shutdown, no flush, mid-request
    server.process.wait()
    stop.set()
    for t in threads:
        t.join()

    failures = []
    db = os.path.join(data, "mikke.sqlite")
    after_kill, total = stored(db)
    for submission, record_id in answered.items():
        found = after_kill.get(key(submission), [])
        if found != [record_id]:
            failures.append(f"answered {record_id}, found {found}")
    if total != len(after_kill):
        failures.append(f"{total} records but {len(after_kill)} markers: a record without its marker")
    in_flight_kept = sum(1 for s in unanswered if key(s) in after_kill)

    # Restart on the same data; retry every unanswered submission and a sample of the answered.
    server = Server(binary, catalog, data, port)
    retried = {}
    for submission in unanswered + list(answered)[:50]:
        status, body = post_once(port, "POST", "/api/applications", application(submission))
        if status != 201:
            failures.append(f"retry answered {status}")
            continue
        retried[submission] = json.loads(body)["id"]
    server.process.terminate()
    server.process.wait()
    final, total = stored(db)
    for submission, record_id in retried.items():
        if final.get(key(submission)) != [record_id]:
            failures.append(f"retry answered {record_id}, found {final.get(key(submission))}")
    for submission, record_id in answered.items():
        if retried.get(submission, record_id) != record_id:
            failures.append("a retry of an answered submission got a new id")
    expected = len(set(answered) | set(unanswered))
    if total != expected or len(final) != expected:
        failures.append(f"{total} records for {expected} submissions")
    # A stored application and its mail never diverge, kill -9 or not.
    by_app, orphans = outbox(db)
    for app, entries in by_app.items():
        if sorted(entries) != ["received", "staff"]:
            failures.append(f"application {app} has outbox entries {sorted(entries)}")
    if orphans:
        failures.append(f"{len(orphans)} outbox entries without their application")

    print(f"crash test: {len(answered)} answered 201 before kill -9, all there exactly once"
          if not failures else "crash test: FAILED")
    print(f"crash test: {len(unanswered)} unanswered at the kill ({in_flight_kept} of them stored "
          f"before it); after retrying, {total} records for {expected} submissions, "
          f"each with its 2 outbox entries")
    for f in failures[:20]:
        print(f"  - {f}")
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
