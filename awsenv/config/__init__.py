"""The AWS config and credentials files: the profiles as botocore reads them, what the
strictest readers refuse, and the in-place editor of one section."""
