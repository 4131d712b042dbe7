"""The web server: uvicorn worker processes serving config.asgi (python -m config.server).

Each worker is one event loop: the lean issuance path answers in it, and Django's views run in
its thread for synchronous code. Django's LOGGING configures every line a worker writes, so in
production they are JSON objects; requests are logged with their request id by
config.middleware.RequestLogMiddleware and insurance.api.fastpath, so uvicorn's access log is
off.
"""

import os

import uvicorn


def main() -> None:
    host, _, port = os.environ.get("WEB_ADDR", "127.0.0.1:8000").rpartition(":")
    uvicorn.run(
        "config.asgi:application",
        host=host,
        port=int(port),
        workers=int(os.environ.get("WEB_CONCURRENCY", "2")),
        loop="uvloop",
        http="httptools",
        lifespan="off",
        access_log=False,
        log_config=None,
        server_header=False,
        # The client's address is the peer's: config.clients reads X-Forwarded-For itself,
        # as far as TRUSTED_PROXY_COUNT says it can be believed.
        proxy_headers=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
