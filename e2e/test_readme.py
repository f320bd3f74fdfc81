"""The README's curl session works verbatim against the run command's system."""

import json
import re
import subprocess

from conftest import REPO, printed_admin_credentials


def readme_block(marker: str) -> str:
    readme = (REPO / "README.md").read_text()
    after = readme.split(f"<!-- {marker}", 1)[1]
    return re.search(r"```bash\n(.*?)```", after, re.DOTALL).group(1)


def test_the_readme_curl_session_works_verbatim(system):
    _, password = printed_admin_credentials(system.log())

    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_block("curl-session")],
        env={"PATH": "/usr/bin:/bin", "API": system.backend_url, "PASSWORD": password},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert run.returncode == 0, run.stderr
    me_line, tokens_line, created_line, listed_line = run.stdout.strip().splitlines()
    me = json.loads(me_line)
    assert me["user"]["email"] == "admin@afterresume.local"
    assert me["role"] == "owner"
    assert "my script" in [token["name"] for token in json.loads(tokens_line)]
    created = json.loads(created_line)
    assert (created["content"], created["source"], created["tags"]) == (
        "Automated the release notes",
        "api",
        ["automation"],
    )
    assert [entry["id"] for entry in json.loads(listed_line)["results"]] == [created["id"]]
