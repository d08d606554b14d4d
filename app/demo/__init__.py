"""The demo events (real reference events) and the synthetic conference generator for benchmarks."""

from app.demo.events import load_demo_events
from app.demo.generator import generate_conference

__all__ = ["generate_conference", "load_demo_events"]
