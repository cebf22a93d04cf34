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
        self.committer.stop()
        self.targets.close()


def get_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.cauce
    return state


State = Annotated[ServerState, Depends(get_state)]
