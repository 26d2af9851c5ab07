"""Who is acting, from where, in which request: set by the middleware (or a Celery task) and read by audit and
the tracked models, so that no workflow has to pass the request around."""

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Actor:
    user: object = None
    ip: str = ""
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    channel: str = "system"  # web / api / admin / task / command


_current = contextvars.ContextVar("zyparty_actor", default=None)


def current() -> Actor:
    actor = _current.get()
    return actor if actor is not None else Actor()


def current_user():
    user = current().user
    return user if user is not None and getattr(user, "is_authenticated", False) else None


@contextmanager
def acting(**kwargs):
    token = _current.set(Actor(**kwargs))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def set_actor(actor: Actor):
    return _current.set(actor)


def reset(token):
    _current.reset(token)
