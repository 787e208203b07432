"""Small generic tools the use cases share: a TTL map and single-flight execution."""
