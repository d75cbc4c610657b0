"""The subcommands, one module each: parse, call the core, render, write.
Their table is awsenv/commandline.py."""
