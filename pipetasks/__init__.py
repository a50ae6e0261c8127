"""Pipeline framework and science tasks built on the butler."""
