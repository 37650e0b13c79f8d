"""Graceful shutdown: SIGTERM lets an in-flight invocation finish, writes every access-log
line, and exits 0; a restart serves the same stages."""

import json
import os
import signal
import threading
import time

from e2e_helpers import ProsceniumServer, make_client
from e2e_helpers import serve_http
from test_invoke import Backend, call, new_api


def test_sigterm_finishes_in_flight_requests_and_flushes_logs():
    backend = serve_http(Backend)
    srv = ProsceniumServer()
    srv.start()
    try:
        c = make_client(srv.endpoint)
        api_id, root = new_api(c)
        c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
        c.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP_PROXY",
                          integrationHttpMethod="GET", uri=f"http://127.0.0.1:{backend.server_address[1]}/slow")
        c.create_deployment(restApiId=api_id, stageName="dev")
        group = f"shutdown-{api_id}"
        c.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn",
             "value": f"arn:aws:logs:us-east-1:000000000000:log-group:{group}"},
            {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId $context.status"}])
        result = {}

        def slow_call():
            result["answer"] = call(srv, "GET", f"/restapis/{api_id}/dev/_user_request_/")

        t = threading.Thread(target=slow_call)
        t.start()
        time.sleep(0.5)  # the backend holds the request for 2 s
        srv.proc.send_signal(signal.SIGTERM)
        t.join(timeout=10)
        status, headers, body = result["answer"]
        assert status == 200, body
        assert srv.proc.wait(timeout=10) == 0
        log = open(os.path.join(srv.data_dir, "logs", f"{group}.log")).read().split()
        assert log == [headers["x-amzn-requestid"], "200"]
        # The same data dir serves the same stage after a restart.
        srv.start()
        assert c.get_stage(restApiId=api_id, stageName="dev")["accessLogSettings"]["format"]
    finally:
        srv.cleanup()
        backend.shutdown()


def test_with_four_workers_each_in_flight_request_finishes_and_is_logged():
    """Thread per core: connections are served by several worker threads; SIGTERM waits for
    the in-flight requests of every worker and writes all their access-log lines."""
    backend = serve_http(Backend)
    srv = ProsceniumServer(extra_args=["--workers", "4"])
    srv.start()
    try:
        # Linux shows a thread's name cut to 15 bytes: "proscenium-work". A new thread names
        # itself once it runs, so a worker may still show its parent's name for a moment.
        deadline = time.monotonic() + 5
        while True:
            tasks = os.listdir(f"/proc/{srv.proc.pid}/task")
            names = [open(f"/proc/{srv.proc.pid}/task/{t}/comm").read().strip() for t in tasks]
            workers = [n for n in names if n.startswith("proscenium-work")]
            if len(workers) >= 3 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(workers) == 3, names
        c = make_client(srv.endpoint)
        api_id, root = new_api(c)
        c.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
        c.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="HTTP_PROXY",
                          integrationHttpMethod="GET", uri=f"http://127.0.0.1:{backend.server_address[1]}/slow")
        c.create_deployment(restApiId=api_id, stageName="dev")
        group = f"shutdown-workers-{api_id}"
        c.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn",
             "value": f"arn:aws:logs:us-east-1:000000000000:log-group:{group}"},
            {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId $context.status"}])
        answers = [None] * 12

        def slow_call(i):
            answers[i] = call(srv, "GET", f"/restapis/{api_id}/dev/_user_request_/")

        threads = [threading.Thread(target=slow_call, args=(i,)) for i in range(len(answers))]
        for t in threads:
            t.start()
        time.sleep(0.7)  # the backend holds each request for 2 s
        srv.proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(timeout=15)
        assert [a[0] for a in answers] == [200] * len(answers), answers
        assert srv.proc.wait(timeout=10) == 0
        lines = open(os.path.join(srv.data_dir, "logs", f"{group}.log")).read().splitlines()
        assert sorted(lines) == sorted(f"{a[1]['x-amzn-requestid']} 200" for a in answers)
    finally:
        srv.cleanup()
        backend.shutdown()
