"""`contracts proxy`: a reverse proxy on loopback that judges an application's real vendor traffic as it flows.

`judging` matches each request to an operation of the spec and runs the registered checks on its answer;
`forward` is the ASGI app that relays requests and answers (httpx's async client); `server` serves it with
uvicorn; `command` is the CLI front. uvicorn and starlette come with the optional extra `cancel-contracts[proxy]`,
so only `forward` and `server` import them, and only when the command runs.
"""

from __future__ import annotations
