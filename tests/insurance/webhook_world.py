"""The world outside the platform that webhook tests need: merchants' receivers (plain HTTP or
TLS), the DNS that names them, and the internet that routes public addresses to them.

DNS and routing are the outside world, so tests script them (socket.getaddrinfo and
socket.create_connection); everything of the platform's own runs for real.
"""

import hashlib
import hmac
import json
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from insurance.models import WebhookDelivery
from insurance.services.webhooks import webhook_deliver

# A global unicast address (not private, not documentation space) that no test really reaches.
PUBLIC_ADDRESS = "93.184.216.34"


class Receiver:
    """A merchant's webhook endpoint on 127.0.0.1: records each request, answers with the
    scripted codes and `reply` as the body; with `tls` (a cert and key), speaks HTTPS and
    records the server name each client asked for (SNI)."""

    def __init__(self, *, tls: tuple[Path, Path] | None = None) -> None:
        self.requests: list[dict] = []
        self.script: list[int] = []
        self.reply = b"thanks"
        self.server_names: list[str | None] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": body, "at": time.monotonic()}
                )
                self.send_response(receiver.script.pop(0) if receiver.script else 200)
                self.send_header("Content-Length", str(len(receiver.reply)))
                self.end_headers()
                self.wfile.write(receiver.reply)

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # a client that refused our certificate: nothing to report

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def self_signed_certificate(directory: Path, host: str) -> tuple[Path, Path]:
    """A certificate for `host`, signed by itself: trusted by whoever lists it in SSL_CERT_FILE."""
    cert, key = directory / f"{host}.pem", directory / f"{host}.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={host}",
            "-addext",
            f"subjectAltName=DNS:{host}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class Dns:
    """Scripted answers for some names; every other name goes to the real resolver.

    `answer(name, [first], [second], ...)`: the first lookup gets the first list of addresses,
    the next one the second, and so on; the last list answers every later lookup.
    """

    def __init__(self, monkeypatch) -> None:
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: list[str] = []
        real = socket.getaddrinfo

        def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
            name = host.decode() if isinstance(host, bytes) else host
            if name not in self.answers:
                return real(host, port, family, type, proto, flags)
            self.lookups.append(name)
            script = self.answers[name]
            addresses = script.pop(0) if len(script) > 1 else script[0]
            return [_addrinfo(address, port) for address in addresses]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def answer(self, name: str, *answers: list[str]) -> None:
        self.answers[name] = list(answers)


def _addrinfo(address: str, port) -> tuple:
    port = int(port or 0)
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))


class Internet:
    """Records every TCP connection the process opens, and carries connections to the routed
    (address, port) pairs to a local receiver instead."""

    def __init__(self, monkeypatch) -> None:
        self.connections: list[tuple[str, int]] = []
        self.routes: dict[tuple[str, int], tuple[str, int]] = {}
        real = socket.create_connection

        def create_connection(address, *args, **kwargs):
            host, port = address[0], int(address[1])
            self.connections.append((host, port))
            return real(self.routes.get((host, port), address), *args, **kwargs)

        monkeypatch.setattr(socket, "create_connection", create_connection)

    def route(self, address: str, port: int, to: Receiver) -> None:
        self.routes[(address, port)] = ("127.0.0.1", to.port)

    def to_port(self, port: int) -> list[tuple[str, int]]:
        return [c for c in self.connections if c[1] == port]


def register(api, url: str, *types: str) -> dict:
    response = api.post(
        "/api/v1/webhook-endpoints",
        {"url": url, "event_types": list(types) or ["policy.issued"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def rotate(api, endpoint_id: int, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(f"/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret", **headers)


def verify(request: dict, secret: str) -> dict:
    """What a receiver does: check the HMAC over timestamp and body against any of the
    signatures (two while a rotated secret's old value is still valid), then parse."""
    items = [item.split("=", 1) for item in request["headers"]["Webhook-Signature"].split(",")]
    [timestamp] = [value for name, value in items if name == "t"]
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + request["body"], hashlib.sha256
    ).hexdigest()
    assert any(hmac.compare_digest(v, expected) for name, v in items if name == "v1")
    assert abs(time.time() - int(timestamp)) < 60
    return json.loads(request["body"])


def deliver_pending() -> list[WebhookDelivery]:
    """What a worker does with each queued delivery, in this process (where DNS is scripted)."""
    return [
        webhook_deliver(delivery_id=pk)
        for pk in WebhookDelivery.objects.filter(status="pending").values_list("pk", flat=True)
    ]
