//! The decision engine: a bundle compiled into an index, deciding slots with reasons.
