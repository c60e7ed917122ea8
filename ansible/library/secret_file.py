#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Writes a file holding secret material so that it never exists, not even for an instant, with wider permissions
than its final ones."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: secret_file
short_description: Write a secret file created with its final owner and mode
description:
  - Replaces I(path) with I(content) through a temporary file in the same directory, created with
    C(O_CREAT|O_EXCL|O_NOFOLLOW) and mode 0600 (owner only, whatever the umask), then given its owner, group and
    final I(mode) before a byte of content is written, then renamed over I(path). A reader sees the old file or
    the complete new one, and never a file with more permissions than I(mode).
  - C(ansible.builtin.copy) cannot promise that: it renames a new file into place with the umask's default mode
    and sets the requested mode afterwards.
  - Nothing is written when the content, owner, group and mode are already right (C(changed=false)); a file with
    the right content and wrong metadata only gets its metadata fixed.
  - The content is never returned or logged (C(no_log) on the parameter); call it with C(no_log) all the same.
options:
  path:
    description: The file to write (absolute). Its directory must exist.
    type: path
    required: true
  content:
    description: What the file must hold.
    type: str
    required: true
  owner:
    description: Owner (user name).
    type: str
    required: true
  group:
    description: Group (group name).
    type: str
    required: true
  mode:
    description: Final mode, octal string such as C("0600") or C("0640").
    type: str
    required: true
"""

RETURN = r"""
path:
  description: The file written.
  type: str
  returned: always
"""

import grp
import os
import pwd
import secrets
import stat

from ansible.module_utils.basic import AnsibleModule

# The temporary file starts owner-only, whatever the process umask is; fchmod then sets exactly the final mode.
CREATE_MODE = 0o600


def current_state(path):
    """(content bytes, uid, gid, permission bits) of the existing regular file, or None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks), info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)
    finally:
        os.close(fd)


def write_new(path, data, uid, gid, mode):
    directory = os.path.dirname(path)
    # A fresh, unpredictable name, created exclusively (O_EXCL, no symlink followed) with mode 0600.
    for _ in range(10):
        name = os.path.join(directory, ".%s.%s.tmp" % (os.path.basename(path), secrets.token_hex(6)))
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, CREATE_MODE)
            break
        except FileExistsError:
            continue
    else:
        raise OSError("no free temporary name in %s" % directory)
    try:
        try:
            os.fchown(fd, uid, gid)
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(name, path)
    except BaseException:
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            content=dict(type="str", required=True, no_log=True),
            owner=dict(type="str", required=True),
            group=dict(type="str", required=True),
            mode=dict(type="str", required=True),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"]
    try:
        mode = int(module.params["mode"], 8)
    except ValueError:
        module.fail_json(msg="mode %r is not an octal mode such as '0600'" % module.params["mode"], path=path)
    if mode & ~0o777:
        module.fail_json(msg="mode %r: only permission bits (0..0777) are allowed" % module.params["mode"], path=path)
    try:
        uid = pwd.getpwnam(module.params["owner"]).pw_uid
    except KeyError:
        module.fail_json(msg="no such user: %s" % module.params["owner"], path=path)
    try:
        gid = grp.getgrnam(module.params["group"]).gr_gid
    except KeyError:
        module.fail_json(msg="no such group: %s" % module.params["group"], path=path)
    if not os.path.isdir(os.path.dirname(path)):
        module.fail_json(msg="directory of %s does not exist" % path, path=path)

    data = module.params["content"].encode("utf-8")
    state = current_state(path)
    if state is not None and state == (data, uid, gid, mode):
        module.exit_json(changed=False, path=path)
    if module.check_mode:
        module.exit_json(changed=True, path=path)
    try:
        if state is not None and state[0] == data:
            # Same content: only the metadata. Owner first, so that a widened mode never applies to the old owner.
            os.chown(path, uid, gid, follow_symlinks=False)
            os.chmod(path, mode)
        else:
            write_new(path, data, uid, gid, mode)
    except OSError as error:
        module.fail_json(msg="cannot write %s: %s" % (path, error.strerror or error), path=path)
    module.exit_json(changed=True, path=path)


if __name__ == "__main__":
    main()
