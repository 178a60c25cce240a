"""The committed generated code is what grpcio-tools makes of apps/grpcapi/support.proto today."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ("support_pb2.py", "support_pb2.pyi", "support_pb2_grpc.py")


def test_generated_code_is_current(tmp_path):
    # The command documented at the top of support.proto, into a scratch directory.
    command = [sys.executable, "-m", "grpc_tools.protoc", "-I", "."]
    command += [f"--python_out={tmp_path}", f"--pyi_out={tmp_path}", f"--grpc_python_out={tmp_path}"]
    subprocess.run([*command, "apps/grpcapi/support.proto"], cwd=ROOT, check=True)
    for name in GENERATED:
        fresh = (tmp_path / "apps" / "grpcapi" / name).read_text()
        assert fresh == (ROOT / "apps" / "grpcapi" / name).read_text(), f"{name} is stale: regenerate it"


def test_the_wire_names_are_the_seeds():
    """No package: the methods are /Support/ChatCustomer and /Support/ChatAgent, the fields numbered as in the seed."""
    from apps.grpcapi import support_pb2 as pb

    service = pb.DESCRIPTOR.services_by_name["Support"]
    assert pb.DESCRIPTOR.package == "" and service.full_name == "Support"
    assert [m.name for m in service.methods] == ["ChatCustomer", "ChatAgent"]
    numbers = {
        "ChatCustomerRequest": {"init": 1, "msg": 2, "hang_up": 3},
        "InitiateChat": {"resume_session_id": 1},
        "AgentMessage": {"agent_name": 1, "msg": 2},
        "ChatCustomerResponse": {"session": 1, "msg": 2},
        "ChatAgentRequest": {"accept": 1, "msg": 2, "leave_session": 3},
        "AcceptChat": {"session_id": 1},
        "ChatEntry": {"date": 1, "customer_msg": 2, "agent_msg": 3},
        "ChatAgentResponse": {"accepted_session": 1, "msg": 2, "session_ended": 3},
        "Session": {"session_id": 1, "customer_name": 2, "history": 3},
    }
    for message, fields in numbers.items():
        descriptor = pb.DESCRIPTOR.message_types_by_name[message]
        assert {f.name: f.number for f in descriptor.fields} == fields, message
