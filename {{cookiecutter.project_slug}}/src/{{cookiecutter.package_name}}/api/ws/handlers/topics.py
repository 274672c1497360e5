"""`subscribe` / `unsubscribe`: choose which topics' events this connection receives."""

from {{ cookiecutter.package_name }}.api.ws.context import MessageContext
from {{ cookiecutter.package_name }}.api.ws.registry import HandlerSet
from {{ cookiecutter.package_name }}.api.ws.schemas import Subscriptions, TopicRef
from {{ cookiecutter.package_name }}.errors import ForbiddenError, NotFoundError

handlers = HandlerSet()


@handlers.on("subscribe")
async def subscribe(data: TopicRef, context: MessageContext) -> Subscriptions:
    topic = context.registry.topic(data.topic)
    if topic is None:
        raise NotFoundError(f"No topic {data.topic!r}.")
    if not context.connection.identity.has_roles(topic.roles):
        raise ForbiddenError(f"Topic {data.topic!r} needs roles this connection lacks.")
    await context.broadcaster.subscribe(data.topic, context.connection)
    context.connection.topics.add(data.topic)
    return Subscriptions(topics=sorted(context.connection.topics))


@handlers.on("unsubscribe")
async def unsubscribe(data: TopicRef, context: MessageContext) -> Subscriptions:
    if data.topic in context.connection.topics:
        await context.broadcaster.unsubscribe(data.topic, context.connection)
        context.connection.topics.discard(data.topic)
    return Subscriptions(topics=sorted(context.connection.topics))
