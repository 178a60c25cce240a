import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Void(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VOID: _ClassVar[Void]
VOID: Void

class ChatCustomerRequest(_message.Message):
    __slots__ = ("init", "msg", "hang_up")
    INIT_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    HANG_UP_FIELD_NUMBER: _ClassVar[int]
    init: InitiateChat
    msg: str
    hang_up: Void
    def __init__(self, init: _Optional[_Union[InitiateChat, _Mapping]] = ..., msg: _Optional[str] = ..., hang_up: _Optional[_Union[Void, str]] = ...) -> None: ...

class InitiateChat(_message.Message):
    __slots__ = ("resume_session_id",)
    RESUME_SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    resume_session_id: str
    def __init__(self, resume_session_id: _Optional[str] = ...) -> None: ...

class AgentMessage(_message.Message):
    __slots__ = ("agent_name", "msg")
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    agent_name: str
    msg: str
    def __init__(self, agent_name: _Optional[str] = ..., msg: _Optional[str] = ...) -> None: ...

class ChatCustomerResponse(_message.Message):
    __slots__ = ("session", "msg")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    session: Session
    msg: AgentMessage
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ..., msg: _Optional[_Union[AgentMessage, _Mapping]] = ...) -> None: ...

class ChatAgentRequest(_message.Message):
    __slots__ = ("accept", "msg", "leave_session")
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    LEAVE_SESSION_FIELD_NUMBER: _ClassVar[int]
    accept: AcceptChat
    msg: str
    leave_session: Void
    def __init__(self, accept: _Optional[_Union[AcceptChat, _Mapping]] = ..., msg: _Optional[str] = ..., leave_session: _Optional[_Union[Void, str]] = ...) -> None: ...

class AcceptChat(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ChatEntry(_message.Message):
    __slots__ = ("date", "customer_msg", "agent_msg")
    DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_MSG_FIELD_NUMBER: _ClassVar[int]
    AGENT_MSG_FIELD_NUMBER: _ClassVar[int]
    date: _timestamp_pb2.Timestamp
    customer_msg: str
    agent_msg: AgentMessage
    def __init__(self, date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., customer_msg: _Optional[str] = ..., agent_msg: _Optional[_Union[AgentMessage, _Mapping]] = ...) -> None: ...

class ChatAgentResponse(_message.Message):
    __slots__ = ("accepted_session", "msg", "session_ended")
    ACCEPTED_SESSION_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    SESSION_ENDED_FIELD_NUMBER: _ClassVar[int]
    accepted_session: Session
    msg: ChatEntry
    session_ended: Void
    def __init__(self, accepted_session: _Optional[_Union[Session, _Mapping]] = ..., msg: _Optional[_Union[ChatEntry, _Mapping]] = ..., session_ended: _Optional[_Union[Void, str]] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("session_id", "customer_name", "history")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    customer_name: str
    history: _containers.RepeatedCompositeFieldContainer[ChatEntry]
    def __init__(self, session_id: _Optional[str] = ..., customer_name: _Optional[str] = ..., history: _Optional[_Iterable[_Union[ChatEntry, _Mapping]]] = ...) -> None: ...
