#!/usr/bin/env python3
"""Runs the packaged Lambda artifact as Lambda would, against moto_server, and checks
that an application posted through it is stored exactly once.

    python3 scripts/lambda-smoke.py dist/handler-lambda.zip

What it does, all on 127.0.0.1, cleaning up after itself:
1. starts moto_server (PyPI moto[server]) on a free port and creates the table from
   deploy/template.yaml's own definition (keys, GSIs, TTL), so the template is what the
   binary is tested against;
2. unpacks the zip into a temporary "/var/task" and starts its `bootstrap` with
   AWS_LAMBDA_RUNTIME_API pointing at a small Lambda Runtime API emulator (below), the
   environment the template gives the function, and MIKKE_DYNAMODB_ENDPOINT = moto;
3. sends API Gateway HTTP API (payload 2.0) events as CloudFront would forward them:
   GET /api/health, a valid application (JSON), the same again (a retry), an invalid
   one; and reads the table to check exactly one application was stored, and that the
   rate limit counted the visitor named in CloudFront-Viewer-Address (the request carries
   the origin secret), not the CloudFront edge server that is API Gateway's sourceIp.

Exit status 0 when everything holds; otherwise 1 with what went wrong (and the
bootstrap's own output).
"""

import base64
import hashlib
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml  # PyYAML: a dependency of moto[server] and cfn-lint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(ROOT, "deploy", "template.yaml")
SITE = "https://d111111abcdef8.cloudfront.net"
REGION = "ap-northeast-1"
TABLE = "mikke-smoke"
# What CloudFormation would read from Parameter Store for an SSM-typed parameter (the
# origin secret CloudFront sends in X-Mikke-Origin-Secret); fresh on every run.
SSM_VALUE = "smoke-" + uuid.uuid4().hex + uuid.uuid4().hex
# The visitor as CloudFront names her, and the edge server API Gateway sees instead.
VIEWER_IP = "203.0.113.7"
EDGE_IP = "130.176.1.1"


def fail(message):
    print(f"lambda-smoke: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- the template


def load_template():
    """deploy/template.yaml with CloudFormation's short tags kept as {"!Tag": value}."""

    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {"!" + suffix: value}

    Loader.add_multi_constructor("!", tagged)
    with open(TEMPLATE, encoding="utf-8") as f:
        return yaml.load(f, Loader=Loader)


def resource_of_type(template, type_name):
    found = [r for r in template["Resources"].values() if r["Type"] == type_name]
    if len(found) != 1:
        fail(f"expected one {type_name} in deploy/template.yaml, found {len(found)}")
    return found[0]


def lambda_environment(template, function="Handler"):
    """Function `function`'s environment as the template sets it, for the default
    parameters and no custom domain, with the table renamed for the test."""
    params = {
        k: SSM_VALUE if str(v.get("Type", "")).startswith("AWS::SSM::Parameter::Value") else str(v.get("Default", ""))
        for k, v in template["Parameters"].items()
    }
    env = {}
    for name, value in template["Resources"][function]["Properties"]["Environment"]["Variables"].items():
        if isinstance(value, str):
            env[name] = value
        elif "!Ref" in value and value["!Ref"] in params:
            env[name] = params[value["!Ref"]]
        elif "!Ref" in value and value["!Ref"] == "Table":
            env[name] = TABLE
        elif "!Ref" in value:
            env[name] = f"smoke-{value['!Ref']}"  # another resource's name (a configuration set)
        elif "!If" in value:  # HasCustomDomain is false with the defaults
            env[name] = value["!If"][2]["!Sub"].replace("${SiteDistribution.DomainName}", SITE[8:])
        else:
            fail(f"cannot resolve {name}={value!r} from the template")
    return env


def create_table(endpoint, template):
    import boto3

    props = resource_of_type(template, "AWS::DynamoDB::Table")["Properties"]
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_table(
        TableName=TABLE,
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
        BillingMode=props["BillingMode"],
        StreamSpecification={"StreamEnabled": True, **props["StreamSpecification"]},
    )
    ttl = props["TimeToLiveSpecification"]
    client.update_time_to_live(
        TableName=TABLE,
        TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": ttl["Enabled"]},
    )
    return client


def create_signing_key(endpoint, env):
    """The diary links' key, as DEPLOY.md has the operator create it: a SecureString in
    Parameter Store, named by the template's MIKKE_SIGNING_KEY_PARAMETER (moto serves
    SSM on the same endpoint)."""
    import boto3

    name = env.get("MIKKE_SIGNING_KEY_PARAMETER")
    if not name:
        return
    boto3.client(
        "ssm",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).put_parameter(Name=name, Type="SecureString", Value=base64.b64encode(os.urandom(48)).decode())


# ---------------------------------------------------------------- runtime API emulator


class RuntimeApi:
    """The Lambda Runtime API (2018-06-01): the function long-polls
    /invocation/next, then posts /invocation/{id}/response or /error."""

    def __init__(self):
        self.events = queue.Queue()
        self.results = {}
        self.done = threading.Condition()
        self.init_error = None
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != "/2018-06-01/runtime/invocation/next":
                    return self.reply(404)
                request_id, event = api.events.get()
                deadline = int((time.time() + 30) * 1000)
                self.reply(
                    200,
                    json.dumps(event).encode(),
                    [
                        ("Content-Type", "application/json"),
                        ("Lambda-Runtime-Aws-Request-Id", request_id),
                        ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                        (
                            "Lambda-Runtime-Invoked-Function-Arn",
                            f"arn:aws:lambda:{REGION}:123456789012:function:mikke-smoke",
                        ),
                        ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
                    ],
                )

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path.split("/")
                if self.path == "/2018-06-01/runtime/init/error":
                    api.init_error = body.decode(errors="replace")
                elif len(parts) == 6 and parts[3] == "invocation" and parts[5] in ("response", "error"):
                    with api.done:
                        api.results[parts[4]] = (parts[5], body)
                        api.done.notify_all()
                else:
                    return self.reply(404)
                self.reply(202, b'{"status":"OK"}', [("Content-Type", "application/json")])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.server.server_address[1]}"

    def invoke(self, event, process, timeout=30):
        request_id = str(uuid.uuid4())
        self.events.put((request_id, event))
        deadline = time.time() + timeout
        with self.done:
            while request_id not in self.results:
                if process.poll() is not None:
                    fail(f"bootstrap exited with {process.returncode} (init error: {self.init_error})")
                if time.time() > deadline:
                    fail(f"no answer to {event['routeKey']} within {timeout} s")
                self.done.wait(0.2)
            kind, body = self.results.pop(request_id)
        if kind == "error":
            fail(f"the function reported an error for {event['routeKey']}: {body[:500]!r}")
        return json.loads(body)


def http_event(method, path, body=None, content_type=None):
    """An HTTP API payload-2.0 event as API Gateway makes it from CloudFront's request."""
    headers = {
        "host": "abc123.execute-api.ap-northeast-1.amazonaws.com",
        "origin": SITE,
        "user-agent": "lambda-smoke",
        "x-forwarded-for": f"{VIEWER_IP}, {EDGE_IP}",
        "x-forwarded-proto": "https",
        # Added by CloudFront (deploy/template.yaml): the viewer, and the origin secret
        # that makes the handler believe it.
        "cloudfront-viewer-address": f"{VIEWER_IP}:50123",
        "x-mikke-origin-secret": SSM_VALUE,
    }
    if content_type:
        headers["content-type"] = content_type
    now = time.time()
    event = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": headers["host"],
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": EDGE_IP,
                "userAgent": "lambda-smoke",
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = body
    return event


def response_body(response):
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return body


def application(catalog):
    """A complete application using ids from the packaged catalog's taxonomy."""
    t = catalog["taxonomy"]

    def first(kind):
        return next(iter(t[kind]))

    return {
        "name": "試験 花子",
        "email": "hanako.smoke@example.jp",
        "phone": "03-0000-0000",
        "age_band": first("age_bands"),
        "industry": first("industries"),
        "company_size": first("company_sizes"),
        "job_function": first("job_functions"),
        "situations": [first("situations")],
        "topics": [first("topics")],
        "preferences": [first("preferences")],
        "preferred_mentors": [],
        "plan": first("plans"),
        "applicant_type": "individual",
        "message": "デプロイ確認用の架空の申し込みです。",
        "consent": True,
        "submission_id": "smoke-" + uuid.uuid4().hex,
        "website": "",
    }


# ---------------------------------------------------------------- main


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    zip_path = sys.argv[1]
    with zipfile.ZipFile(zip_path) as z:
        names = sorted(z.namelist())
        if names != ["bootstrap", "catalog.json", "mail.json"]:
            fail(f"{zip_path} holds {names}, expected exactly bootstrap, catalog.json and mail.json")
        mode = (z.getinfo("bootstrap").external_attr >> 16) & 0o777
        if not mode & 0o100:
            fail(f"bootstrap in {zip_path} is not executable (mode {oct(mode)})")
    template = load_template()
    env_from_template = lambda_environment(template)

    task = tempfile.mkdtemp(prefix="mikke-task-")
    processes = []
    try:
        with zipfile.ZipFile(zip_path) as z:
            z.extractall(task)
        os.chmod(os.path.join(task, "bootstrap"), 0o755)
        with open(os.path.join(task, "catalog.json"), encoding="utf-8") as f:
            catalog = json.load(f)

        port = free_port()
        moto_log = open(os.path.join(task, "moto.log"), "w")
        moto = subprocess.Popen(
            ["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=moto_log, stderr=moto_log
        )
        processes.append(moto)
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
                break
            except Exception:
                if moto.poll() is not None:
                    fail("moto_server did not start (is moto[server] installed?)")
                time.sleep(0.1)
        dynamodb = create_table(endpoint, template)
        create_signing_key(endpoint, env_from_template)

        runtime = RuntimeApi()
        # The template's catalog path is /var/task/catalog.json; here the zip is
        # unpacked elsewhere, so only that one path is redirected.
        if env_from_template.get("MIKKE_CATALOG") != "/var/task/catalog.json":
            fail("the template's MIKKE_CATALOG is not /var/task/catalog.json")
        env = function_env(env_from_template, task, endpoint, runtime)
        log_path = os.path.join(task, "bootstrap.log")
        log = open(log_path, "w")
        function = subprocess.Popen([os.path.join(task, "bootstrap")], cwd=task, env=env, stdout=log, stderr=log)
        processes.append(function)

        # The notifier: the same bootstrap with the notifier's environment.
        notifier_env_from_template = lambda_environment(template, "Notifier")
        if notifier_env_from_template.get("MIKKE_MAIL_BUNDLE") != "/var/task/mail.json":
            fail("the template's MIKKE_MAIL_BUNDLE is not /var/task/mail.json")
        notifier_runtime = RuntimeApi()
        notifier_env = function_env(notifier_env_from_template, task, endpoint, notifier_runtime)
        notifier_log_path = os.path.join(task, "notifier.log")
        notifier_log = open(notifier_log_path, "w")
        notifier = subprocess.Popen(
            [os.path.join(task, "bootstrap")], cwd=task, env=notifier_env, stdout=notifier_log, stderr=notifier_log
        )
        processes.append(notifier)

        try:
            run_checks(runtime, function, dynamodb, catalog)
            run_mail_checks(notifier_runtime, notifier, endpoint, task)
        except SystemExit:
            log.flush()
            notifier_log.flush()
            for path in (log_path, notifier_log_path):
                with open(path, encoding="utf-8", errors="replace") as f:
                    print(f"---- {os.path.basename(path)} ----\n" + f.read()[-4000:], file=sys.stderr)
            raise
        for path in (log_path, notifier_log_path):
            with open(path, encoding="utf-8", errors="replace") as f:
                output = f.read()
            if "hanako.smoke@example.jp" in output or "試験 花子" in output or "#t=" in output:
                fail(f"{os.path.basename(path)}: the function logged personal data or a link")
        print("lambda-smoke: OK: the packaged bootstrap stored one application in DynamoDB (moto),"
              " and as the notifier mailed its receipt through SES (moto) from the stream")
    finally:
        for p in reversed(processes):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(task, ignore_errors=True)


def function_env(env_from_template, task, endpoint, runtime):
    """What Lambda gives the bootstrap: the template's variables (paths under /var/task
    redirected to where the zip is unpacked), AWS endpoints on moto, the runtime API."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **env_from_template,
        "MIKKE_CATALOG": os.path.join(task, "catalog.json"),
        "MIKKE_DYNAMODB_ENDPOINT": endpoint,
            # The SDK's standard per-service endpoint setting: SSM (the signing key) on moto too.
            "AWS_ENDPOINT_URL_SSM": endpoint,
        "MIKKE_SES_ENDPOINT": endpoint,
        "AWS_LAMBDA_RUNTIME_API": runtime.address,
        "AWS_LAMBDA_FUNCTION_NAME": "mikke-smoke",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/mikke-smoke",
        "AWS_LAMBDA_LOG_STREAM_NAME": "smoke",
        "LAMBDA_TASK_ROOT": task,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if "MIKKE_MAIL_BUNDLE" in env:
        env["MIKKE_MAIL_BUNDLE"] = os.path.join(task, "mail.json")
    return env


def run_mail_checks(runtime, notifier, endpoint, task):
    """The stream, read as Lambda's event source mapping reads it, drives the notifier,
    which mails the receipt through SES v2 (moto); the raw message is read back from
    /moto-api/data.json."""
    import boto3
    import email
    from email import policy

    options = dict(endpoint_url=endpoint, region_name=REGION,
                   aws_access_key_id="testing", aws_secret_access_key="testing")
    with open(os.path.join(task, "mail.json"), encoding="utf-8") as f:
        bundle = json.load(f)
    domain = bundle["settings"]["from"].rsplit("@", 1)[1].rstrip(">").strip()
    boto3.client("sesv2", **options).create_email_identity(EmailIdentity=domain)
    streams = boto3.client("dynamodbstreams", **options)
    arn = boto3.client("dynamodb", **options).describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        out = streams.get_records(ShardIterator=iterator, Limit=1000)
        records.extend(out["Records"])
    event = {"Records": [{"eventName": r["eventName"], "eventSource": "aws:dynamodb",
                          "dynamodb": {"Keys": r["dynamodb"]["Keys"],
                                       "SequenceNumber": r["dynamodb"]["SequenceNumber"]}}
                         for r in records]}
    mails = [r for r in event["Records"] if r["dynamodb"]["Keys"]["pk"]["S"].startswith("MAIL#")]
    if len(mails) != 2:
        fail(f"expected the receipt and the staff notice in the stream, found {len(mails)} MAIL# records")
    answer = runtime.invoke(event, notifier)
    if answer != {"batchItemFailures": []}:
        fail(f"the notifier reported failures: {answer}")
    data = json.load(urllib.request.urlopen(endpoint + "/moto-api/data.json"))
    sent = data.get("ses", {}).get("RawMessage", [])
    to_her = [m for m in sent if "hanako.smoke@example.jp" in m["destinations"]]
    if len(to_her) != 1:
        fail(f"expected one mail to the applicant through SES, found {len(to_her)}")
    message = email.message_from_bytes(to_her[0]["raw_data"].encode(), policy=policy.default)
    if "受け付けました" not in str(message["Subject"]) or "試験" in message.get_content():
        fail(f"the receipt is not the expected one: {message['Subject']}")
    print(f"lambda-smoke: the notifier sent {len(sent)} mails through SES from the stream")


def run_checks(runtime, function, dynamodb, catalog):
    health = runtime.invoke(http_event("GET", "/api/health"), function)
    if health.get("statusCode") != 200:
        fail(f"GET /api/health answered {health.get('statusCode')}: {response_body(health)[:300]}")

    app = application(catalog)
    post = http_event("POST", "/api/applications", json.dumps(app, ensure_ascii=False), "application/json")
    first = runtime.invoke(post, function)
    if first.get("statusCode") != 201:
        fail(f"POST /api/applications answered {first.get('statusCode')}: {response_body(first)[:500]}")
    created = json.loads(response_body(first))
    retry = runtime.invoke(post, function)
    if retry.get("statusCode") != 201 or json.loads(response_body(retry)).get("id") != created["id"]:
        fail(f"a retry was not answered with the same id: {retry.get('statusCode')} {response_body(retry)[:300]}")

    bad = dict(app, email="not-an-email", submission_id="smoke-" + uuid.uuid4().hex)
    refused = runtime.invoke(
        http_event("POST", "/api/applications", json.dumps(bad, ensure_ascii=False), "application/json"),
        function,
    )
    if refused.get("statusCode") != 422 or "email" not in json.loads(response_body(refused)).get("fields", {}):
        fail(f"an invalid email was not refused with 422: {refused.get('statusCode')} {response_body(refused)[:300]}")

    items = dynamodb.scan(TableName=TABLE)["Items"]
    records = [i for i in items if i["pk"]["S"].startswith("APP#") and i["sk"]["S"] == "RECORD"]
    if len(records) != 1:
        fail(f"expected exactly one stored application, found {len(records)}")
    record = records[0]
    if record["id"]["S"] != created["id"]:
        fail(f"stored id {record['id']['S']} is not the answered id {created['id']}")
    if "N" not in record.get("expires_at", {}):
        fail("the stored application has no numeric expires_at (TTL)")
    stored = json.loads(record["body"]["S"])
    if stored.get("application", {}).get("email") != app["email"]:
        fail("the stored body does not hold the submitted application")
    # The rate limit counted the visitor, not the CloudFront edge every visitor near her
    # shares (handler/src/ratelimit.rs: a hash of the address, never the address).
    def rate_key(address):
        return hashlib.sha256(b"mikke-rate-limit\0" + address.encode()).hexdigest()[:32]

    counters = {i["pk"]["S"].split("#")[1] for i in items if i["pk"]["S"].startswith("RATE#")}
    if counters != {rate_key(VIEWER_IP)}:
        which = "the edge server" if rate_key(EDGE_IP) in counters else "an unknown client"
        fail(f"the rate limit did not key on CloudFront-Viewer-Address but on {which}: {counters}")
    print(f"lambda-smoke: stored application {created['id']} ({len(items)} items in the table); rate limit keyed on the viewer")


if __name__ == "__main__":
    main()
