"""Where a release runs: this host (a local connection) or a server reached over SSH."""

from __future__ import annotations

from dataclasses import dataclass, field

# Ansible's inventory name for the one host a run works on; the playbooks say `hosts: target`.
INVENTORY_HOST = "target"


@dataclass(frozen=True)
class SshTarget:
    """A server of the inventory, with its private key resolved from its handle.

    Built inside the activity that runs Ansible; the key never leaves that attempt's memory
    except as a 0600 file for the length of one run (adapters/deploy/ssh.py).
    """

    name: str
    host: str
    port: int = 22
    user: str = "root"
    private_key: str = field(default="", repr=False)
