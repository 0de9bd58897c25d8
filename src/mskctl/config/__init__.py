"""Where and how to connect: typed settings resolved from flags, env vars, profiles and AWS."""
