"""Seed 000's Support gRPC service (support.proto) on Horn's chats: see docs/grpc.md."""
