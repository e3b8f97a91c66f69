"""Test doubles for the network boundary: only Google's Gemini API is ever faked."""
