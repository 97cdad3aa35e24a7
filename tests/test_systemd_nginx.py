"""Nginx configuration read from a host tree: includes under the root, checked by real nginx."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from needs import require_tool

from auditor.checks.common.tree import Tree
from auditor.checks.systemd.nginx import load_nginx

ROOT = Path(__file__).parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "systemd"
NGINX_TREES = sorted(
    t for t in [*FIXTURES.glob("*-*"), ROOT / "examples" / "manual-vm"]
    if (t / "etc/nginx/nginx.conf").exists()
)
REWRITE = re.compile(r"(?<=[\s\"'])/(etc|var|run|usr|srv|opt)/")


def write(root: Path, inner: str, text: str) -> Path:
    path = root / inner.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(root: Path) -> tuple[object, dict[str, str]]:
    problems: dict[str, str] = {}
    return load_nginx(Tree.at(root), problems), problems


def nginx_binary() -> str:
    return require_tool("nginx", "apt-get install nginx", also=("/usr/sbin/nginx",))


def nginx_test(tree: Path, work: Path) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on a copy whose absolute paths point into the copy, with real certificates."""
    binary = nginx_binary()
    require_tool("openssl", "apt-get install openssl")  # makes the test certificates
    root = work / "root"
    shutil.copytree(tree, root, symlinks=True)
    for path in [*root.glob("etc/nginx/**/*"), *root.glob("etc/letsencrypt/**/*")]:
        if path.is_file() and not path.is_symlink():
            path.write_text(REWRITE.sub(lambda m: f"{root}/{m.group(1)}/", path.read_text()))
    text = "\n".join(p.read_text() for p in root.glob("etc/nginx/**/*")
                     if p.is_file() and not p.is_symlink())
    certificates = set(re.findall(r"ssl_certificate\s+(\S+);", text))
    for cert in certificates:
        key = re.sub(r"fullchain\.pem$|\.pem$|\.crt$", "", cert)
        keyfile = Path(key + ("privkey.pem" if cert.endswith("fullchain.pem") else ".key"))
        match = re.search(r"ssl_certificate_key\s+(\S+);", text)
        keyfile = Path(match.group(1)) if match else keyfile
        Path(cert).parent.mkdir(parents=True, exist_ok=True)
        keyfile.parent.mkdir(parents=True, exist_ok=True)
        if not Path(cert).exists():
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-subj", "/CN=superset.example.com", "-days", "2",
                            "-keyout", str(keyfile), "-out", cert],
                           check=True, capture_output=True)
    for directory in ("var/log/nginx", "run"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    return subprocess.run([binary, "-t", "-c", str(root / "etc/nginx/nginx.conf"),
                           "-p", str(root) + "/"], capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.mark.parametrize("tree", NGINX_TREES, ids=lambda p: p.name)
def test_real_nginx_accepts_every_fixture(tree: Path, tmp_path: Path) -> None:
    done = nginx_test(tree, tmp_path)
    assert done.returncode == 0, done.stderr


def test_real_nginx_rejects_a_broken_config_that_we_name(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write(tree, "etc/nginx/nginx.conf", "events {}\nhttp {\n  server {\n    listen 80;\n")
    assert nginx_test(tree, tmp_path / "work").returncode != 0
    config, _ = load(tree)
    assert config.errors and "expecting" in config.errors[0]  # type: ignore[attr-defined]


def test_includes_resolve_under_the_tree_not_the_machine(tmp_path: Path) -> None:
    write(tmp_path, "etc/nginx/nginx.conf",
          "events {}\nhttp {\n  include /etc/nginx/mime.types;\n  include conf.d/*.conf;\n"
          "  include /etc/nginx/sites-enabled/*;\n}\n")
    write(tmp_path, "etc/nginx/conf.d/up.conf",
          "upstream superset { server 10.0.0.1:8088; server 10.0.0.2:8088 backup; }\n")
    write(tmp_path, "etc/nginx/sites-available/superset",
          "server { listen 443 ssl; server_name bi.example.com;\n"
          "  location / { proxy_pass http://superset; } }\n")
    (tmp_path / "etc/nginx/sites-enabled").mkdir()
    (tmp_path / "etc/nginx/sites-enabled/superset").symlink_to(
        "/etc/nginx/sites-available/superset")
    config, problems = load(tmp_path)
    # mime.types exists on a machine with nginx installed, but not in the tree.
    assert problems == {
        "nginx include /etc/nginx/mime.types (/etc/nginx/nginx.conf:3)":
            "not found (nginx refuses to start)"}
    assert config.files == ("/etc/nginx/nginx.conf", "/etc/nginx/conf.d/up.conf",  # type: ignore[attr-defined]
                            "/etc/nginx/sites-enabled/superset")
    (server,) = config.servers  # type: ignore[attr-defined]
    assert server.names == ("bi.example.com",)
    (route,) = server.routes
    assert route.upstream == "superset"
    assert route.backends == ("10.0.0.1:8088", "10.0.0.2:8088")


def test_includes_leading_out_of_the_tree_are_refused_and_named(tmp_path: Path) -> None:
    outside = tmp_path / "outside.conf"
    outside.write_text("server { listen 8080; location / { proxy_pass http://evil; } }\n")
    tree = tmp_path / "tree"
    write(tree, "etc/nginx/nginx.conf",
          "events {}\nhttp {\n  include /etc/nginx/sites-enabled/*;\n"
          "  include ../../../outside.conf;\n  include /etc/nginx/loop.conf;\n"
          "  include /etc/nginx/nginx.conf;\n}\n")
    write(tree, "etc/nginx/sites-available/ok",
          "server { listen 80; location / { proxy_pass http://127.0.0.1:8088; } }\n")
    enabled = tree / "etc/nginx/sites-enabled"
    enabled.mkdir()
    (enabled / "ok").symlink_to("../sites-available/ok")
    (enabled / "escape").symlink_to("../../../../outside.conf")
    (tree / "etc/nginx/loop.conf").symlink_to("loop2.conf")
    (tree / "etc/nginx/loop2.conf").symlink_to("loop.conf")
    config, problems = load(tree)
    assert problems["nginx /etc/nginx/sites-enabled/escape"].endswith(
        "symlink leads out of the audited tree")
    assert problems["nginx include ../../../outside.conf (/etc/nginx/nginx.conf:4)"] == (
        "leads out of the audited tree")
    assert problems["nginx include /etc/nginx/loop.conf (/etc/nginx/nginx.conf:5)"] == (
        "symbolic link loop")
    assert "include cycle" in problems["nginx /etc/nginx/nginx.conf"]
    # What could be read still is: the good site, and nothing from outside.
    assert [s.listens[0].port for s in config.servers] == [80]  # type: ignore[attr-defined]


def test_header_inheritance_follows_nginx_rules(tmp_path: Path) -> None:
    """A location's own add_header/proxy_set_header hides the server's (nginx's rule)."""
    write(tmp_path, "etc/nginx/nginx.conf", """events {}
http {
  proxy_read_timeout 90s;
  server {
    listen 443 ssl;
    add_header Strict-Transport-Security "max-age=63072000" always;
    proxy_set_header X-Forwarded-Proto $scheme;
    location / { proxy_pass http://127.0.0.1:8088; }
    location /api/ {
      add_header Cache-Control no-store;
      proxy_set_header Host $host;
      proxy_read_timeout 5m;
      proxy_pass http://127.0.0.1:8088;
    }
  }
}
""")
    config, _ = load(tmp_path)
    (server,) = config.servers  # type: ignore[attr-defined]
    root, api = server.routes
    assert "strict-transport-security" in root.headers
    assert "x-forwarded-proto" in root.proxy_headers
    assert root.read_timeout == 90
    assert "strict-transport-security" not in api.headers
    assert "x-forwarded-proto" not in api.proxy_headers
    assert api.read_timeout == 300


def test_redirect_forms(tmp_path: Path) -> None:
    write(tmp_path, "etc/nginx/nginx.conf", """events {}
http {
  server { listen 80; server_name a; return 301 https://$host$request_uri; }
  server { listen 80; server_name b; if ($host = b) { return 308 https://$host$request_uri; }
           return 404; }
  server { listen 80; server_name c; rewrite ^ https://$host$request_uri permanent; }
  server { listen 80; server_name d; location / { proxy_pass http://127.0.0.1:8088; } }
}
""")
    config, _ = load(tmp_path)
    redirects = {s.names[0]: s.redirect for s in config.servers}  # type: ignore[attr-defined]
    assert redirects == {"a": "https://$host$request_uri", "b": "https://$host$request_uri",
                         "c": "https://$host$request_uri", "d": None}
