"""FastAPI dependencies: the server's state, reachable from any route via ``Annotated``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cauce.bootstrap import App
from cauce.server.committer import GroupCommitter
from cauce.server.settings import ServerSettings
from cauce.server.targets import HookTargets


@dataclass
class ServerState:
    """What routes share: the application, the hook targets, the group committer."""

    app: App
    targets: HookTargets
    committer: GroupCommitter
    settings: ServerSettings

    def close(self) -> None:
        self.targets.close()


def server_state(request: Request) -> ServerState:
    """The state :func:`cauce.server.app.create_app` attached to its app."""
    state: ServerState = request.app.state.cauce
    return state


async def get_state(request: Request) -> ServerState:
    """:func:`server_state` as a dependency; ``async`` so FastAPI calls it in the event
    loop instead of handing it to a worker thread and back."""
    return server_state(request)


State = Annotated[ServerState, Depends(get_state)]
