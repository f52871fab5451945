"""Retrieval and answer evaluation: gold sets, metrics, BEIR benchmark, reports."""
