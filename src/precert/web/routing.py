"""A FastAPI route class for endpoints that read the request themselves.

FastAPI's request handler solves an endpoint's parameters and dependencies, validates them
and serializes what the endpoint returns. An endpoint that takes only the ``Request`` and
returns a ``Response`` (``GET /v1/determinations``, which reads and checks its own query
string so that a repeated query is a memory lookup) gets nothing from that work but its
cost: measured in process, about half of the app's CPU time per cached answer (115 µs
against 65 µs; docs/benchmarks.md). :class:`RequestRoute` calls such an endpoint directly;
the request still goes through every middleware and the router, and the route stays in the
OpenAPI document. Any other endpoint gets FastAPI's handler unchanged.

The route's ASGI app is lean too: FastAPI wraps every handler in two ``AsyncExitStack``s (for
dependencies with ``yield``; such an endpoint has none) and in Starlette's per-route exception
handling, which calls the same handlers as the app's ``ExceptionMiddleware`` a few frames
further out. Without them a cached answer costs ~1.5 µs less (of ~27 µs in the app); an
error the endpoint raises (a 422) reaches the same handler and the same response.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def takes_only_the_request(dependant: Dependant) -> bool:
    """True when the endpoint's one parameter is the Request (no other parameter, no
    dependency): FastAPI would solve and validate nothing for it."""
    return dependant.request_param_name is not None and not (
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.dependencies
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
    )


def returns_a_response(endpoint: Callable[..., Any]) -> bool:
    """True when the endpoint is declared to return a Response (nothing to serialize)."""
    try:
        returned = typing.get_type_hints(endpoint).get("return")
    except (NameError, TypeError):  # an annotation that cannot be resolved: not sure
        return False
    return inspect.isclass(returned) and issubclass(returned, Response)


class RequestRoute(APIRoute):
    """An APIRoute that calls a request-only, Response-returning async endpoint directly."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        handler = self._direct_handler()
        # FastAPI's own body limit, when the route sets one, keeps FastAPI's app.
        if handler is not None and getattr(self, "max_body_size", None) is None:
            self.app = direct_app(handler)

    def _direct_handler(self) -> Handler | None:
        endpoint = self.dependant.call
        if not (
            endpoint is not None
            and inspect.iscoroutinefunction(endpoint)
            and takes_only_the_request(self.dependant)
            and returns_a_response(endpoint)
        ):
            return None
        name = self.dependant.request_param_name
        assert name is not None

        async def handler(request: Request) -> Response:
            response: Response = await endpoint(**{name: request})
            return response

        return handler

    def get_route_handler(self) -> Handler:
        """The endpoint itself when FastAPI's handler would add nothing, else FastAPI's."""
        return self._direct_handler() or super().get_route_handler()


def direct_app(handler: Handler) -> ASGIApp:
    """The ASGI app of a route whose handler needs no dependency exit stack: the request,
    the handler, its response. Exceptions go on to the app's exception handlers."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = await handler(Request(scope, receive, send))
        await response(scope, receive, send)

    return app
