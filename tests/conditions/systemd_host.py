"""Per-condition cases for the systemd host checks (see tests/conditions/__init__.py).

Every case is a host tree (``etc/`` laid out like ``/``) audited with ``--style
systemd``. ``BASE`` passes every check below: one hardened, enabled gunicorn unit, a
PostgreSQL 15 cluster with a replication line, a nightly dump copied to S3, a persistent
and bounded journal, unattended upgrades with a security origin, an enabled node
exporter, an Ansible header and a pinned requirements file. Each case changes one
thing of it.
"""

from __future__ import annotations

from conditions import Case, changed, dedent, replaced

ARGS = ("--style", "systemd")
UNIT = "etc/systemd/system/superset.service"
UNIT_PATH = "/etc/systemd/system/superset.service"
WANTS = "etc/systemd/system/multi-user.target.wants/superset.service"
DROPIN = "etc/systemd/system/superset.service.d/override.conf"
PGCONF = "etc/postgresql/15/main/postgresql.conf"
HBA = "etc/postgresql/15/main/pg_hba.conf"
CRON = "etc/cron.d/pg-backup"
JOURNALD = "etc/systemd/journald.conf"
AUTO = "etc/apt/apt.conf.d/20auto-upgrades"
UNATTENDED = "etc/apt/apt.conf.d/50unattended-upgrades"
REQUIREMENTS = "opt/superset/requirements.txt"
GUNICORN = "/opt/superset/venv/bin/gunicorn -w 4 -b 127.0.0.1:8088 superset.app:create_app()"

# Line numbers of BASE's unit, for locations: keep them in step with the text below.
L_USER, L_EXEC, L_RESTART, L_MEMORY, L_CPU = 6, 8, 9, 10, 11

BASE: dict[str, str] = {
    UNIT: f"""
        # Ansible managed
        [Unit]
        Description=Superset web server

        [Service]
        User=superset
        EnvironmentFile=/etc/superset/superset.env
        ExecStart={GUNICORN}
        Restart=on-failure
        MemoryMax=2G
        CPUQuota=200%
        NoNewPrivileges=yes
        ProtectSystem=strict
        ProtectHome=yes
        PrivateTmp=yes
        PrivateDevices=yes
        ProtectKernelTunables=yes
        ProtectKernelModules=yes
        ProtectKernelLogs=yes
        ProtectControlGroups=yes
        ProtectClock=yes
        ProtectHostname=yes
        RestrictSUIDSGID=yes
        RestrictRealtime=yes
        RestrictNamespaces=yes
        LockPersonality=yes
        SystemCallArchitectures=native
        SystemCallFilter=@system-service
        SystemCallFilter=~@privileged @resources
        CapabilityBoundingSet=
        RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
        UMask=0027

        [Install]
        WantedBy=multi-user.target
    """,
    WANTS: "",
    "etc/superset/superset.env": "SUPERSET_SECRET_KEY=kept-in-a-root-only-file\n",
    "etc/systemd/system/prometheus-node-exporter.service": """
        [Service]
        ExecStart=/usr/bin/prometheus-node-exporter

        [Install]
        WantedBy=multi-user.target
    """,
    "etc/systemd/system/multi-user.target.wants/prometheus-node-exporter.service": "",
    PGCONF: """
        data_directory = '/var/lib/postgresql/15/main'
        fsync = on
        full_page_writes = on
        synchronous_commit = on
        password_encryption = scram-sha-256
    """,
    HBA: """
        local   all          postgres                    peer
        local   all          all                         scram-sha-256
        host    all          all        127.0.0.1/32     scram-sha-256
        host    all          all        ::1/128          scram-sha-256
        host    replication  replicator 10.0.0.2/32      scram-sha-256
    """,
    CRON: ("30 2 * * * postgres pg_dump -Fc superset > /var/backups/superset.dump"
           " && aws s3 cp /var/backups/superset.dump s3://backups/superset/\n"),
    JOURNALD: """
        [Journal]
        Storage=persistent
        SystemMaxUse=1G
    """,
    AUTO: """
        APT::Periodic::Update-Package-Lists "1";
        APT::Periodic::Unattended-Upgrade "1";
    """,
    UNATTENDED: """
        Unattended-Upgrade::Origins-Pattern {
                "origin=Debian,codename=${distro_codename},label=Debian-Security";
        };
    """,
    REQUIREMENTS: "apache-superset==4.1.1\n",
}


def unit(old: str, new: str) -> dict[str, str]:
    """BASE with one line of the Superset unit changed."""
    return replaced(BASE, UNIT, old, new)


def dropin(text: str) -> dict[str, str]:
    """BASE with a drop-in ``override.conf`` for the Superset unit."""
    return changed(BASE, {DROPIN: text})


def case(check: str, why: str, files: dict[str, str], status: str, subject: str | None,
         evidence: tuple[str, ...], *, message: str | None = None,
         location: tuple[str, int | None] | None = None, absent: tuple[str, ...] = ()) -> Case:
    """A case audited with ``--style systemd``."""
    return Case(check, why, files, status, subject=subject, evidence=evidence, args=ARGS,
                message=message, location=location, absent=absent)


SVC = "superset.service"

# --- SYSTEMD-SUPERVISION-001: Restart= -------------------------------------------------
# Restart=on-failure and always restart after a crash (pass); on-abnormal and on-abort
# miss an exit with an error (warn); no, on-success, on-watchdog and no Restart= at all
# (systemd's default is no) leave a crashed Superset down (fail). The last assignment,
# drop-ins included, decides; an empty Restart= resets to the default.
SUPERVISION_001 = [
    case("SYSTEMD-SUPERVISION-001", "on-failure", BASE, "pass", SVC,
         (f"Restart=on-failure ({UNIT_PATH}:{L_RESTART})",), location=(UNIT, L_RESTART),
         message="Restart=on-failure: systemd restarts it when it dies"),
    case("SYSTEMD-SUPERVISION-001", "always", unit("Restart=on-failure", "Restart=always"),
         "pass", SVC, (f"Restart=always ({UNIT_PATH}:{L_RESTART})",),
         location=(UNIT, L_RESTART)),
    case("SYSTEMD-SUPERVISION-001", "on-abnormal",
         unit("Restart=on-failure", "Restart=on-abnormal"), "warn", SVC,
         (f"Restart=on-abnormal ({UNIT_PATH}:{L_RESTART})",), location=(UNIT, L_RESTART),
         message="not when Superset exits with an error"),
    case("SYSTEMD-SUPERVISION-001", "on-abort", unit("Restart=on-failure", "Restart=on-abort"),
         "warn", SVC, (f"Restart=on-abort ({UNIT_PATH}:{L_RESTART})",),
         location=(UNIT, L_RESTART), message="not when Superset exits with an error"),
    case("SYSTEMD-SUPERVISION-001", "no", unit("Restart=on-failure", "Restart=no"), "fail", SVC,
         (f"Restart=no ({UNIT_PATH}:{L_RESTART})",), location=(UNIT, L_RESTART),
         message="Restart=no: after a crash"),
    case("SYSTEMD-SUPERVISION-001", "on-success",
         unit("Restart=on-failure", "Restart=on-success"), "fail", SVC,
         (f"Restart=on-success ({UNIT_PATH}:{L_RESTART})",), location=(UNIT, L_RESTART)),
    case("SYSTEMD-SUPERVISION-001", "on-watchdog",
         unit("Restart=on-failure", "Restart=on-watchdog"), "fail", SVC,
         (f"Restart=on-watchdog ({UNIT_PATH}:{L_RESTART})",), location=(UNIT, L_RESTART)),
    case("SYSTEMD-SUPERVISION-001", "absent", unit("Restart=on-failure\n", ""), "fail", SVC,
         ("Restart=no (systemd's default)",), location=(UNIT, None)),
    case("SYSTEMD-SUPERVISION-001", "drop-in sets no",
         dropin("[Service]\nRestart=no\n"), "fail", SVC,
         ("Restart=no (/etc/systemd/system/superset.service.d/override.conf:2)",),
         location=(DROPIN, 2)),
    case("SYSTEMD-SUPERVISION-001", "drop-in resets to the default",
         dropin("[Service]\nRestart=\n"), "fail", SVC, ("Restart=no (systemd's default)",)),
    case("SYSTEMD-SUPERVISION-001", "drop-in heals no",
         changed(unit("Restart=on-failure", "Restart=no"),
                 {DROPIN: "[Service]\nRestart=always\n"}), "pass", SVC,
         ("Restart=always (/etc/systemd/system/superset.service.d/override.conf:2)",),
         location=(DROPIN, 2)),
]

# --- SYSTEMD-SUPERVISION-002: enabled at boot --------------------------------------------
# A .wants (or .requires) link enables the unit (pass); WantedBy= without a link means
# 'systemctl enable' never ran (fail); no [Install] and no link (fail).
NO_INSTALL = replaced(changed(BASE, {WANTS: None}), UNIT,
                      "[Install]\nWantedBy=multi-user.target\n", "")
SUPERVISION_002 = [
    case("SYSTEMD-SUPERVISION-002", "wants link", BASE, "pass", SVC,
         ("/etc/systemd/system/multi-user.target.wants/superset.service",),
         location=(UNIT, None), message="enabled: linked from"),
    case("SYSTEMD-SUPERVISION-002", "requires link",
         changed(BASE, {WANTS: None,
                        "etc/systemd/system/multi-user.target.requires/superset.service": ""}),
         "pass", SVC, ("/etc/systemd/system/multi-user.target.requires/superset.service",)),
    case("SYSTEMD-SUPERVISION-002", "WantedBy without link", changed(BASE, {WANTS: None}),
         "fail", SVC, ("[Install] WantedBy=multi-user.target",), location=(UNIT, None),
         message="'systemctl enable' was never run"),
    case("SYSTEMD-SUPERVISION-002", "RequiredBy without link",
         replaced(changed(BASE, {WANTS: None}), UNIT, "WantedBy=multi-user.target",
                  "RequiredBy=multi-user.target"),
         "fail", SVC, ("[Install] RequiredBy=multi-user.target",),
         message="RequiredBy=multi-user.target but no .requires link"),
    case("SYSTEMD-SUPERVISION-002", "no Install, no link", NO_INSTALL, "fail", SVC,
         ("no WantedBy=/RequiredBy=",), location=(UNIT, None),
         message="no [Install] section and no .wants link"),
]

# --- SYSTEMD-ISOLATION-001: User= ---------------------------------------------------------
# A named user or DynamicUser= (every spelling of true) passes; no User=, User=root and
# User=0 fail, also when gunicorn --user drops the workers (the master stays root).
ISOLATION_001 = [
    case("SYSTEMD-ISOLATION-001", "named user", BASE, "pass", SVC, ("User=superset",),
         location=(UNIT, L_USER)),
    case("SYSTEMD-ISOLATION-001", "no User=", unit("User=superset\n", ""), "fail", SVC,
         ("no User= (systemd runs it as root)",), location=(UNIT, None),
         message="runs as root"),
    case("SYSTEMD-ISOLATION-001", "root", unit("User=superset", "User=root"), "fail", SVC,
         ("User=root",), location=(UNIT, L_USER)),
    case("SYSTEMD-ISOLATION-001", "uid 0", unit("User=superset", "User=0"), "fail", SVC,
         ("User=0",), location=(UNIT, L_USER)),
    case("SYSTEMD-ISOLATION-001", "drop-in sets root", dropin("[Service]\nUser=root\n"),
         "fail", SVC, ("User=root",), location=(DROPIN, 2)),
    case("SYSTEMD-ISOLATION-001", "gunicorn --user under root",
         replaced(unit("User=superset\n", ""), UNIT, "-w 4", "-w 4 --user superset"),
         "fail", SVC, ("no User= (systemd runs it as root)",
                       "gunicorn --user superset: the master process stays root")),
    case("SYSTEMD-ISOLATION-001", "DynamicUser=yes",
         unit("User=superset", "DynamicUser=yes"), "pass", SVC, ("DynamicUser=yes",),
         message="DynamicUser=yes: a transient unprivileged user"),
    case("SYSTEMD-ISOLATION-001", "DynamicUser=true",
         unit("User=superset", "DynamicUser=true"), "pass", SVC, ("DynamicUser=true",)),
    case("SYSTEMD-ISOLATION-001", "DynamicUser=1",
         unit("User=superset", "DynamicUser=1"), "pass", SVC, ("DynamicUser=1",)),
    case("SYSTEMD-ISOLATION-001", "DynamicUser=on",
         unit("User=superset", "DynamicUser=on"), "pass", SVC, ("DynamicUser=on",)),
    case("SYSTEMD-ISOLATION-001", "DynamicUser=no",
         unit("User=superset", "DynamicUser=no"), "fail", SVC,
         ("no User= (systemd runs it as root)",)),
    case("SYSTEMD-ISOLATION-001", "DynamicUser with User=root",
         unit("User=superset", "DynamicUser=yes\nUser=root"), "fail", SVC, ("User=root",)),
]

# --- SYSTEMD-ISOLATION-002: sandboxing (systemd-analyze security's exposure) ------------
# A missing core protection (NoNewPrivileges=, ProtectSystem=, ProtectHome=, PrivateTmp=)
# fails, each alone; the core on but an exposure of 5.0 or more warns; below 5.0 passes.
CORE_ONLY = replaced(BASE, UNIT, dedent(BASE[UNIT]).split("PrivateTmp=yes\n", 1)[1].split(
    "\n\n[Install]", 1)[0], "")
ISOLATION_002 = [
    case("SYSTEMD-ISOLATION-002", "hardened", BASE, "pass", SVC,
         ("exposure 1.6 OK (as systemd-analyze security rates it)",), location=(UNIT, None),
         message="exposure 1.6 OK"),
    *[case("SYSTEMD-ISOLATION-002", f"{core} missing", unit(f"{core}yes\n"
                                                             if core != "ProtectSystem=" else
                                                             "ProtectSystem=strict\n", ""),
           "fail", SVC, ("exposure 1.8 OK (as systemd-analyze security rates it)", f" {core},"),
           location=(UNIT, None),
           message=f"; missing {core}")
      for core in ("NoNewPrivileges=", "ProtectSystem=", "ProtectHome=", "PrivateTmp=")],
    case("SYSTEMD-ISOLATION-002", "NoNewPrivileges=no", unit("NoNewPrivileges=yes",
                                                             "NoNewPrivileges=no"),
         "fail", SVC, (" NoNewPrivileges=,",), message="missing NoNewPrivileges="),
    *[case("SYSTEMD-ISOLATION-002", f"NoNewPrivileges={value}",
           unit("NoNewPrivileges=yes", f"NoNewPrivileges={value}"), "pass", SVC,
           ("exposure 1.6 OK (as systemd-analyze security rates it)",))
      for value in ("true", "1", "on", "y", "t", "YES")],
    case("SYSTEMD-ISOLATION-002", "core only", CORE_ONLY, "warn", SVC,
         ("exposure 8.5 EXPOSED (as systemd-analyze security rates it)",
          "adds exposure: PrivateNetwork=, CapabilityBoundingSet="), location=(UNIT, None),
         message="the basic protections are on, much of the rest is not"),
]

# --- SYSTEMD-ISOLATION-003: a virtualenv -------------------------------------------------
# gunicorn from a virtualenv passes; the system's gunicorn (/usr/bin, /usr/local/bin)
# fails; VIRTUAL_ENV= in the environment does not change which Python /usr/bin/gunicorn
# runs.
SYSTEM_GUNICORN = GUNICORN.replace("/opt/superset/venv/bin/", "/usr/bin/")
ISOLATION_003 = [
    case("SYSTEMD-ISOLATION-003", "virtualenv", BASE, "pass", SVC, (GUNICORN,),
         location=(UNIT, L_EXEC), message="runs from the virtualenv /opt/superset/venv"),
    case("SYSTEMD-ISOLATION-003", "/usr/bin", unit(GUNICORN, SYSTEM_GUNICORN), "fail", SVC,
         (SYSTEM_GUNICORN,), location=(UNIT, L_EXEC), message="from the system Python"),
    case("SYSTEMD-ISOLATION-003", "/usr/local/bin",
         unit(GUNICORN, GUNICORN.replace("/opt/superset/venv/bin/", "/usr/local/bin/")),
         "fail", SVC, ("/usr/local/bin/gunicorn",), location=(UNIT, L_EXEC)),
    case("SYSTEMD-ISOLATION-003", "VIRTUAL_ENV does not select the interpreter",
         unit(GUNICORN, f"{SYSTEM_GUNICORN}\nEnvironment=VIRTUAL_ENV=/opt/superset/venv"),
         "fail", SVC, (SYSTEM_GUNICORN,), location=(UNIT, L_EXEC)),
    case("SYSTEMD-ISOLATION-003", "wrapper script, PATH to the virtualenv",
         changed(unit(GUNICORN, "/opt/superset/run.sh\n"
                      "Environment=PATH=/opt/superset/venv/bin:/usr/bin"),
                 {"opt/superset/run.sh": "#!/bin/sh\nexec gunicorn -w 4 -b 127.0.0.1:8088 "
                                         "'superset.app:create_app()'\n"}),
         "pass", SVC, ("gunicorn -w 4 -b 127.0.0.1:8088",),
         message="runs from the virtualenv /opt/superset/venv"),
    case("SYSTEMD-ISOLATION-003", "wrapper script, system PATH",
         changed(unit(GUNICORN, "/opt/superset/run.sh\nEnvironment=PATH=/usr/bin:/bin"),
                 {"opt/superset/run.sh": "#!/bin/sh\nexec gunicorn -w 4 -b 127.0.0.1:8088 "
                                         "'superset.app:create_app()'\n"}),
         "fail", SVC, ("gunicorn -w 4 -b 127.0.0.1:8088",), message="from the system Python"),
]

# --- SYSTEMD-RESOURCES-001: memory limit ---------------------------------------------------
# MemoryMax=, MemoryHigh= or the older MemoryLimit= bound memory (pass, each alone); none
# of them, or only infinity, fails; a drop-in's empty MemoryMax= resets the unit's.
MEMORY_EVIDENCE = ("MemoryMax=2G",)
RESOURCES_001 = [
    case("SYSTEMD-RESOURCES-001", "MemoryMax", BASE, "pass", SVC, MEMORY_EVIDENCE,
         location=(UNIT, L_MEMORY), message="memory bounded (MemoryMax=2G)"),
    case("SYSTEMD-RESOURCES-001", "MemoryHigh alone", unit("MemoryMax=2G", "MemoryHigh=1536M"),
         "pass", SVC, ("MemoryHigh=1536M",), location=(UNIT, L_MEMORY)),
    case("SYSTEMD-RESOURCES-001", "MemoryLimit alone", unit("MemoryMax=2G", "MemoryLimit=2G"),
         "pass", SVC, ("MemoryLimit=2G",), location=(UNIT, L_MEMORY)),
    case("SYSTEMD-RESOURCES-001", "none", unit("MemoryMax=2G\n", ""), "fail", SVC,
         ("no memory limit set",), location=(UNIT, None),
         message="no MemoryMax=/MemoryHigh="),
    case("SYSTEMD-RESOURCES-001", "infinity", unit("MemoryMax=2G", "MemoryMax=infinity"),
         "fail", SVC, ("MemoryMax=infinity",), location=(UNIT, None)),
    case("SYSTEMD-RESOURCES-001", "Infinity capitalised",
         unit("MemoryMax=2G", "MemoryMax=Infinity"), "fail", SVC, ("MemoryMax=Infinity",)),
    case("SYSTEMD-RESOURCES-001", "infinity max, bounded high",
         unit("MemoryMax=2G", "MemoryMax=infinity\nMemoryHigh=1G"), "pass", SVC,
         ("MemoryMax=infinity", "MemoryHigh=1G"), location=(UNIT, L_MEMORY + 1),
         message="memory bounded (MemoryMax=infinity)"),
    case("SYSTEMD-RESOURCES-001", "drop-in resets", dropin("[Service]\nMemoryMax=\n"), "fail",
         SVC, ("no memory limit set",)),
    case("SYSTEMD-RESOURCES-001", "drop-in sets it", changed(unit("MemoryMax=2G\n", ""), {
        DROPIN: "[Service]\nMemoryMax=3G\n"}), "pass", SVC, ("MemoryMax=3G",),
         location=(DROPIN, 2)),
]

# --- SYSTEMD-RESOURCES-002: CPU quota ---------------------------------------------------------
# CPUQuota= passes; none fails, and CPUWeight= alone (a share, not a bound) fails too.
RESOURCES_002 = [
    case("SYSTEMD-RESOURCES-002", "CPUQuota", BASE, "pass", SVC, ("CPUQuota=200%",),
         location=(UNIT, L_CPU), message="CPUQuota=200%"),
    case("SYSTEMD-RESOURCES-002", "none", unit("CPUQuota=200%\n", ""), "fail", SVC,
         ("no CPUQuota=",), location=(UNIT, None), message="CPU is unbounded"),
    case("SYSTEMD-RESOURCES-002", "CPUWeight only", unit("CPUQuota=200%", "CPUWeight=50"),
         "fail", SVC, ("CPUWeight=50 (a share, not a bound)",), location=(UNIT, None)),
    case("SYSTEMD-RESOURCES-002", "drop-in resets", dropin("[Service]\nCPUQuota=\n"), "fail",
         SVC, ("no CPUQuota=",)),
    case("SYSTEMD-RESOURCES-002", "drop-in sets it", changed(unit("CPUQuota=200%\n", ""), {
        DROPIN: "[Service]\nCPUQuota=150%\n"}), "pass", SVC, ("CPUQuota=150%",),
         location=(DROPIN, 2)),
]

# --- SYSTEMD-APP-SECURITY-001: production server ----------------------------------------------
# gunicorn passes; 'superset run' and 'flask run' (Werkzeug) fail; gunicorn --reload fails;
# FLASK_DEBUG (1/true/yes/on, any case), FLASK_ENV=development and SUPERSET_ENV=development
# in Environment= or the EnvironmentFile fail; FLASK_DEBUG=0 passes.
DEV = "/opt/superset/venv/bin/superset run -h 127.0.0.1 -p 8088"
ENVFILE = "etc/superset/superset.env"
APP_SECURITY_001 = [
    case("SYSTEMD-APP-SECURITY-001", "gunicorn", BASE, "pass", SVC, (GUNICORN,),
         location=(UNIT, L_EXEC), message="served by gunicorn"),
    case("SYSTEMD-APP-SECURITY-001", "superset run", unit(GUNICORN, DEV), "fail", SVC, (DEV,),
         location=(UNIT, L_EXEC), message="served by the development server"),
    case("SYSTEMD-APP-SECURITY-001", "flask run",
         unit(GUNICORN, "/opt/superset/venv/bin/flask --app superset.app:create_app() run"),
         "fail", SVC, ("/opt/superset/venv/bin/flask --app",),
         message="served by the development server"),
    case("SYSTEMD-APP-SECURITY-001", "gunicorn --reload", unit("-w 4", "-w 4 --reload"),
         "fail", SVC, ("--reload",), location=(UNIT, L_EXEC), message="(--reload)"),
    *[case("SYSTEMD-APP-SECURITY-001", f"Environment={name}={value}",
           unit("User=superset", f"User=superset\nEnvironment={name}={value}"), "fail", SVC,
           (f"{name}={value} ({UNIT_PATH}:7)",), location=(UNIT, L_EXEC + 1),
           message=f"gunicorn with development settings ({name}={value})")
      for name, value in (("FLASK_DEBUG", "1"), ("FLASK_DEBUG", "true"), ("FLASK_DEBUG", "yes"),
                          ("FLASK_DEBUG", "on"), ("FLASK_DEBUG", "True"),
                          ("FLASK_ENV", "development"), ("SUPERSET_ENV", "development"))],
    case("SYSTEMD-APP-SECURITY-001", "FLASK_DEBUG in the EnvironmentFile",
         changed(BASE, {ENVFILE: "FLASK_DEBUG=1\n"}), "fail", SVC,
         ("FLASK_DEBUG=1 (/etc/superset/superset.env:1)",)),
    case("SYSTEMD-APP-SECURITY-001", "FLASK_DEBUG=0",
         unit("User=superset", "User=superset\nEnvironment=FLASK_DEBUG=0"), "pass", SVC,
         (GUNICORN,), message="served by gunicorn"),
    case("SYSTEMD-APP-SECURITY-001", "SUPERSET_ENV=production",
         unit("User=superset", "User=superset\nEnvironment=SUPERSET_ENV=production"), "pass",
         SVC, (GUNICORN,)),
]

# --- SYSTEMD-APP-SECURITY-002: the Werkzeug debugger -------------------------------------
# gunicorn never serves it (pass); the development server with --debugger, --debug or
# FLASK_DEBUG serves it: bound beyond loopback fails, loopback only (no proxy) warns;
# --no-debugger turns it off again.
def dev(flags: str, bind: str = "127.0.0.1") -> dict[str, str]:
    return unit(GUNICORN, f"/opt/superset/venv/bin/superset run -h {bind} -p 8088 {flags}")


APP_SECURITY_002 = [
    case("SYSTEMD-APP-SECURITY-002", "gunicorn", BASE, "pass", SVC, (GUNICORN,),
         location=(UNIT, L_EXEC), message="no interactive debugger"),
    case("SYSTEMD-APP-SECURITY-002", "dev server without debugger", dev(""), "pass", SVC,
         ("superset run -h 127.0.0.1 -p 8088",), message="no interactive debugger"),
    case("SYSTEMD-APP-SECURITY-002", "--debugger on loopback", dev("--debugger"), "warn", SVC,
         ("--debugger",), location=(UNIT, L_EXEC), message="listens only on loopback"),
    case("SYSTEMD-APP-SECURITY-002", "--debug on loopback", dev("--debug"), "warn", SVC,
         ("--debug",)),
    case("SYSTEMD-APP-SECURITY-002", "--debugger on all addresses",
         dev("--debugger", "0.0.0.0"), "fail", SVC, ("--debugger",), location=(UNIT, L_EXEC),
         message="reachable from the network"),
    case("SYSTEMD-APP-SECURITY-002", "FLASK_DEBUG=1",
         replaced(dev(""), UNIT, "User=superset", "User=superset\nEnvironment=FLASK_DEBUG=1"),
         "warn", SVC, ("FLASK_DEBUG=1",)),
    case("SYSTEMD-APP-SECURITY-002", "--no-debugger", dev("--debug --no-debugger"), "pass",
         SVC, ("--no-debugger",)),
]


# --- SYSTEMD-CONFIG-SECRETS-001: secrets in the unit ----------------------------------------
# A variable named like a secret (SECRET, PASSWORD, PASSWD, TOKEN, API_KEY, PRIVATE_KEY,
# *_KEY, CREDENTIAL) or holding a URL with a password (user:pw@ or :pw@) in Environment=
# fails, in the unit or a drop-in, also when an EnvironmentFile sets the same name again
# (the unit file still holds it); an ExecStart argument with a password fails; secrets
# only in an EnvironmentFile or LoadCredential= pass.
VALUE = "s3cr3t-value-1234"


def env_line(text: str) -> dict[str, str]:
    return unit("User=superset", f"User=superset\nEnvironment={text}")


def inline(name: str) -> str:
    return f"Environment={name}=... ({UNIT_PATH}:7, value not shown)"


CONFIG_SECRETS_001 = [
    case("SYSTEMD-CONFIG-SECRETS-001", "EnvironmentFile", BASE, "pass", SVC,
         ("EnvironmentFile=/etc/superset/superset.env",), location=(UNIT, None),
         message="no secret in the unit"),
    *[case("SYSTEMD-CONFIG-SECRETS-001", f"name {name}", env_line(f"{name}={VALUE}"), "fail",
           SVC, (inline(name),), location=(UNIT, 7), absent=(VALUE,),
           message=f"secrets in the unit itself ({name})")
      for name in ("SUPERSET_SECRET_KEY", "DB_PASSWORD", "SMTP_PASSWD", "SLACK_API_TOKEN",
                   "MAPBOX_API_KEY", "JWT_PRIVATE_KEY", "AWS_ACCESS_KEY", "DB_CREDENTIAL")],
    case("SYSTEMD-CONFIG-SECRETS-001", "URL with user and password",
         env_line(f"SQLALCHEMY_DATABASE_URI=postgresql://superset:{VALUE}@db/superset"),
         "fail", SVC, (inline("SQLALCHEMY_DATABASE_URI"),), location=(UNIT, 7),
         absent=(VALUE,)),
    case("SYSTEMD-CONFIG-SECRETS-001", "redis URL with a password and no user",
         env_line(f"REDIS_URL=redis://:{VALUE}@127.0.0.1:6379/0"), "fail", SVC,
         (inline("REDIS_URL"),), location=(UNIT, 7), absent=(VALUE,)),
    case("SYSTEMD-CONFIG-SECRETS-001", "URL without password",
         env_line("SQLALCHEMY_DATABASE_URI=postgresql://superset@db/superset"), "pass", SVC,
         ("EnvironmentFile=/etc/superset/superset.env",)),
    case("SYSTEMD-CONFIG-SECRETS-001", "harmless names",
         env_line("SUPERSET_CONFIG_PATH=/etc/superset/superset_config.py PYTHONUNBUFFERED=1"),
         "pass", SVC, ("EnvironmentFile=/etc/superset/superset.env",)),
    case("SYSTEMD-CONFIG-SECRETS-001", "inline URL also set by the EnvironmentFile",
         changed(env_line(f"SQLALCHEMY_DATABASE_URI=postgresql://superset:{VALUE}@db/superset"),
                 {ENVFILE: "SQLALCHEMY_DATABASE_URI=postgresql://superset@db/superset\n"}),
         "fail", SVC, (inline("SQLALCHEMY_DATABASE_URI"),), absent=(VALUE,)),
    case("SYSTEMD-CONFIG-SECRETS-001", "drop-in",
         dropin(f"[Service]\nEnvironment=SUPERSET_SECRET_KEY={VALUE}\n"), "fail", SVC,
         ("Environment=SUPERSET_SECRET_KEY=... (/etc/systemd/system/superset.service.d/"
          "override.conf:2, value not shown)",), location=(DROPIN, 2), absent=(VALUE,)),
    case("SYSTEMD-CONFIG-SECRETS-001", "password in ExecStart",
         unit("superset.app:create_app()",
              f"superset.app:create_app() --env=DATABASE_URL=postgresql://u:{VALUE}@db/s"),
         "fail", SVC, ("ExecStart argument --env carries a password",),
         location=(UNIT, L_EXEC), absent=(VALUE,)),
    *[case("SYSTEMD-CONFIG-SECRETS-001", f"file reference {text}", env_line(text), "pass", SVC,
           ("EnvironmentFile=/etc/superset/superset.env",))
      for text in ("GOOGLE_APPLICATION_CREDENTIALS=/etc/superset/gcp.json",
                   "DB_PASSWORD_FILE=/run/credentials/superset.service/db",
                   "SSL_PRIVATE_KEY_PATH=/etc/ssl/private/superset.key")],
    case("SYSTEMD-CONFIG-SECRETS-001", "a _FILE name holding the secret itself",
         env_line(f"DB_PASSWORD_FILE={VALUE}"), "fail", SVC, (inline("DB_PASSWORD_FILE"),),
         absent=(VALUE,)),
    case("SYSTEMD-CONFIG-SECRETS-001", "LoadCredential",
         unit("EnvironmentFile=/etc/superset/superset.env",
              "LoadCredential=secret_key:/etc/superset/secret_key"), "pass", SVC,
         ("LoadCredential=secret_key:/etc/superset/secret_key",)),
]

# --- SYSTEMD-CONFIG-SECRETS-002: trust in pg_hba.conf ----------------------------------------
# trust on a host line fails (hostssl and hostnossl too; the message says whether the
# address reaches beyond this machine), trust on a local line warns; every other method
# passes; an unreadable pg_hba.conf and no cluster at all skip.
PG = "postgresql 15/main"
HBA_PATH = "/etc/postgresql/15/main/pg_hba.conf"
SCRAM_LINE = "host    all          all        127.0.0.1/32     scram-sha-256"


def hba(old: str, new: str) -> dict[str, str]:
    return replaced(BASE, HBA, old, new)


NO_CLUSTER = changed(BASE, {PGCONF: None, HBA: None})
CONFIG_SECRETS_002 = [
    case("SYSTEMD-CONFIG-SECRETS-002", "scram everywhere", BASE, "pass", PG,
         ("5 pg_hba line(s) read",), location=(HBA, None),
         message="no trust authentication in pg_hba.conf"),
    case("SYSTEMD-CONFIG-SECRETS-002", "host trust from anywhere",
         hba(SCRAM_LINE, "host all all 0.0.0.0/0 trust"), "fail", PG,
         (f"{HBA_PATH}:3: host all all 0.0.0.0/0 trust",), location=(HBA, 3),
         message="anyone who can connect from the network logs in"),
    case("SYSTEMD-CONFIG-SECRETS-002", "host trust from loopback",
         hba(SCRAM_LINE, "host all all 127.0.0.1/32 trust"), "fail", PG,
         (f"{HBA_PATH}:3: host all all 127.0.0.1/32 trust",), location=(HBA, 3),
         message="anyone who can connect to a TCP port on this host logs in"),
    case("SYSTEMD-CONFIG-SECRETS-002", "host trust with a netmask",
         hba(SCRAM_LINE, "host all all 10.0.0.0 255.0.0.0 trust"), "fail", PG,
         (f"{HBA_PATH}:3: host all all 10.0.0.0/8 trust",), message="from the network"),
    case("SYSTEMD-CONFIG-SECRETS-002", "host trust from samehost",
         hba(SCRAM_LINE, "host all all samehost trust"), "fail", PG,
         (f"{HBA_PATH}:3: host all all samehost trust",),
         message="to a TCP port on this host"),
    case("SYSTEMD-CONFIG-SECRETS-002", "hostssl trust",
         hba(SCRAM_LINE, "hostssl all all 0.0.0.0/0 trust"), "fail", PG,
         (f"{HBA_PATH}:3: hostssl all all 0.0.0.0/0 trust",)),
    case("SYSTEMD-CONFIG-SECRETS-002", "hostnossl trust",
         hba(SCRAM_LINE, "hostnossl all all ::/0 trust"), "fail", PG,
         (f"{HBA_PATH}:3: hostnossl all all ::/0 trust",)),
    case("SYSTEMD-CONFIG-SECRETS-002", "local trust",
         hba("local   all          all                         scram-sha-256",
             "local all all trust"), "warn", PG, (f"{HBA_PATH}:2: local all all trust",),
         location=(HBA, 2), message="trust on local (socket) lines"),
    *[case("SYSTEMD-CONFIG-SECRETS-002", f"host {method}", hba(SCRAM_LINE,
                                                               f"host all all 0.0.0.0/0 {method}"),
           "pass", PG, ("5 pg_hba line(s) read",))
      for method in ("md5", "password", "scram-sha-256", "reject")],
    # A line of no known connection type is no rule (PostgreSQL refuses the file).
    case("SYSTEMD-CONFIG-SECRETS-002", "unknown connection type",
         hba(SCRAM_LINE, SCRAM_LINE + "\nhots all all 0.0.0.0/0 trust"), "pass", PG,
         ("5 pg_hba line(s) read",)),
    case("SYSTEMD-CONFIG-SECRETS-002", "trust in a comment",
         hba(SCRAM_LINE, SCRAM_LINE + "  # was trust"), "pass", PG, ("5 pg_hba line(s) read",)),
    case("SYSTEMD-CONFIG-SECRETS-002", "no pg_hba.conf", changed(BASE, {HBA: None}), "skip", PG,
         (), location=(HBA, None), message="could not be read (not found)"),
    case("SYSTEMD-CONFIG-SECRETS-002", "no cluster", NO_CLUSTER, "skip", "postgresql", (),
         message="no PostgreSQL cluster under /etc/postgresql"),
]

# --- SYSTEMD-CONFIG-SECRETS-003: SCRAM ---------------------------------------------------------
# password_encryption other than scram-sha-256 fails (unset: md5 before PostgreSQL 14,
# scram-sha-256 from 14); password or ident on a host line fails; md5 on a host line
# warns; md5 or password on local (socket) lines does not count.
PG13 = {k.replace("/15/", "/13/"): v for k, v in BASE.items()}
CONFIG_SECRETS_003 = [
    case("SYSTEMD-CONFIG-SECRETS-003", "scram", BASE, "pass", PG,
         ("password_encryption = scram-sha-256 (/etc/postgresql/15/main/postgresql.conf:5)",),
         location=(HBA, None), message="SCRAM-SHA-256 for stored passwords and host lines"),
    case("SYSTEMD-CONFIG-SECRETS-003", "md5 storage",
         replaced(BASE, PGCONF, "password_encryption = scram-sha-256",
                  "password_encryption = md5"), "fail", PG,
         ("password_encryption = md5 (/etc/postgresql/15/main/postgresql.conf:5)",),
         location=(PGCONF, 5), message="passwords are stored as md5 hashes"),
    case("SYSTEMD-CONFIG-SECRETS-003", "md5 storage quoted",
         replaced(BASE, PGCONF, "password_encryption = scram-sha-256",
                  "password_encryption = 'md5'   # legacy clients"), "fail", PG,
         ("password_encryption = md5 (/etc/postgresql/15/main/postgresql.conf:5)",)),
    case("SYSTEMD-CONFIG-SECRETS-003", "unset on 15",
         replaced(BASE, PGCONF, "password_encryption = scram-sha-256\n", ""), "pass", PG,
         ("password_encryption = scram-sha-256 (default for PostgreSQL 15)",)),
    case("SYSTEMD-CONFIG-SECRETS-003", "unset on 13",
         replaced(PG13, PGCONF.replace("/15/", "/13/"), "password_encryption = scram-sha-256\n",
                  ""), "fail", "postgresql 13/main",
         ("password_encryption = md5 (default for PostgreSQL 13)",),
         location=(PGCONF.replace("/15/", "/13/"), None),
         message="passwords are stored as md5 hashes"),
    case("SYSTEMD-CONFIG-SECRETS-003", "host password", hba(SCRAM_LINE,
                                                            "host all all 0.0.0.0/0 password"),
         "fail", PG, (f"{HBA_PATH}:3: host all all 0.0.0.0/0 password",), location=(HBA, 3),
         message="password authentication on host lines"),
    case("SYSTEMD-CONFIG-SECRETS-003", "host ident", hba(SCRAM_LINE,
                                                         "host all all 10.0.0.0/8 ident"),
         "fail", PG, (f"{HBA_PATH}:3: host all all 10.0.0.0/8 ident",), location=(HBA, 3),
         message="ident authentication on host lines"),
    case("SYSTEMD-CONFIG-SECRETS-003", "host md5", hba(SCRAM_LINE, "host all all 0.0.0.0/0 md5"),
         "warn", PG, (f"{HBA_PATH}:3: host all all 0.0.0.0/0 md5",), location=(HBA, 3),
         message="md5 on host lines"),
    case("SYSTEMD-CONFIG-SECRETS-003", "hostssl md5",
         hba(SCRAM_LINE, "hostssl all all 0.0.0.0/0 md5"), "warn", PG,
         (f"{HBA_PATH}:3: hostssl all all 0.0.0.0/0 md5",)),
    case("SYSTEMD-CONFIG-SECRETS-003", "local md5",
         hba("local   all          all                         scram-sha-256", "local all all md5"),
         "pass", PG, ("password_encryption = scram-sha-256",)),
    case("SYSTEMD-CONFIG-SECRETS-003", "local password",
         hba("local   all          all                         scram-sha-256",
             "local all all password"), "pass", PG, ("password_encryption = scram-sha-256",)),
    case("SYSTEMD-CONFIG-SECRETS-003", "no pg_hba.conf", changed(BASE, {HBA: None}), "skip", PG,
         ("password_encryption = scram-sha-256",), location=(HBA, None),
         message="could not be read (not found)"),
    case("SYSTEMD-CONFIG-SECRETS-003", "no cluster", NO_CLUSTER, "skip", "postgresql", (),
         message="no PostgreSQL cluster under /etc/postgresql"),
]

# --- SYSTEMD-STORAGE-001: durable PostgreSQL ---------------------------------------------------
# fsync or full_page_writes off (every spelling PostgreSQL takes for off) fails, as does a
# data directory on /tmp, /run, /dev/shm or /var/tmp; synchronous_commit off (off, false,
# no, 0) warns; anything else passes; includes are followed, the last setting wins.
CONF_PATH = "/etc/postgresql/15/main/postgresql.conf"


def pgconf(old: str, new: str) -> dict[str, str]:
    return replaced(BASE, PGCONF, old, new)


STORAGE_001 = [
    case("SYSTEMD-STORAGE-001", "durable", BASE, "pass", PG,
         (f"fsync = on ({CONF_PATH}:2)", f"full_page_writes = on ({CONF_PATH}:3)",
          f"data_directory = /var/lib/postgresql/15/main ({CONF_PATH}:1)"),
         location=(PGCONF, None), message="fsync and full_page_writes on, on durable storage"),
    case("SYSTEMD-STORAGE-001", "defaults", changed(BASE, {PGCONF: "port = 5432\n"}), "pass",
         PG, ("fsync = on (default)", "full_page_writes = on (default)")),
    *[case("SYSTEMD-STORAGE-001", f"fsync {spelling}", pgconf("fsync = on", f"fsync {spelling}"),
           "fail", PG, (f"fsync = {shown} ({CONF_PATH}:2)",), location=(PGCONF, None),
           message="fsync = off: a power cut or crash can corrupt the database")
      for spelling, shown in (("= off", "off"), ("= false", "false"), ("= no", "no"),
                              ("= 0", "0"), ("= OFF", "OFF"), ("= 'off'", "off"),
                              ("off", "off"), ("=off", "off"), ("= of", "of"),
                              ("= f", "f"), ("= n", "n"), ("= fals", "fals"))],
    *[case("SYSTEMD-STORAGE-001", f"fsync {spelling}", pgconf("fsync = on", f"fsync = {spelling}"),
           "pass", PG, (f"fsync = {spelling} ({CONF_PATH}:2)",))
      for spelling in ("true", "yes", "1", "ON", "t")],
    case("SYSTEMD-STORAGE-001", "full_page_writes off",
         pgconf("full_page_writes = on", "full_page_writes = off"), "fail", PG,
         (f"full_page_writes = off ({CONF_PATH}:3)",),
         message="full_page_writes = off: a power cut or crash"),
    case("SYSTEMD-STORAGE-001", "full_page_writes false",
         pgconf("full_page_writes = on", "full_page_writes = false"), "fail", PG,
         (f"full_page_writes = false ({CONF_PATH}:3)",)),
    *[case("SYSTEMD-STORAGE-001", f"synchronous_commit {value}",
           pgconf("synchronous_commit = on", f"synchronous_commit = {value}"), "warn", PG,
           (f"synchronous_commit = {value} ({CONF_PATH}:4)",), location=(PGCONF, None),
           message="synchronous_commit = off: the last transactions can be lost in a crash")
      for value in ("off", "false", "no", "0", "OFF")],
    *[case("SYSTEMD-STORAGE-001", f"synchronous_commit {value}",
           pgconf("synchronous_commit = on", f"synchronous_commit = {value}"), "pass", PG,
           (f"fsync = on ({CONF_PATH}:2)",))
      for value in ("local", "remote_write", "remote_apply", "on")],
    *[case("SYSTEMD-STORAGE-001", f"data_directory {path}",
           pgconf("'/var/lib/postgresql/15/main'", f"'{path}'"), "fail", PG,
           (f"data_directory = {path} ({CONF_PATH}:1)",),
           message=f"data_directory {path} is on temporary storage")
      for path in ("/tmp/pgdata", "/tmp", "/run/postgresql/data", "/dev/shm/pg",
                   "/var/tmp/pg")],
    case("SYSTEMD-STORAGE-001", "data_directory /tmpdata",
         pgconf("'/var/lib/postgresql/15/main'", "'/tmpdata'"), "pass", PG,
         (f"data_directory = /tmpdata ({CONF_PATH}:1)",)),
    case("SYSTEMD-STORAGE-001", "fsync off in an included file",
         changed(pgconf("password_encryption = scram-sha-256",
                        "password_encryption = scram-sha-256\ninclude 'tuning.conf'"),
                 {"etc/postgresql/15/main/tuning.conf": "fsync = off\n"}), "fail", PG,
         ("fsync = off (/etc/postgresql/15/main/tuning.conf:1)",)),
    case("SYSTEMD-STORAGE-001", "fsync off in conf.d",
         changed(pgconf("password_encryption = scram-sha-256",
                        "password_encryption = scram-sha-256\ninclude_dir 'conf.d'"),
                 {"etc/postgresql/15/main/conf.d/10-fast.conf": "fsync = off\n"}), "fail", PG,
         ("fsync = off (/etc/postgresql/15/main/conf.d/10-fast.conf:1)",)),
    case("SYSTEMD-STORAGE-001", "a later on wins",
         pgconf("password_encryption = scram-sha-256",
                "password_encryption = scram-sha-256\nfsync = off\nfsync = on"), "pass", PG,
         (f"fsync = on ({CONF_PATH}:7)",)),
    case("SYSTEMD-STORAGE-001", "no cluster", NO_CLUSTER, "skip", "metadata-database", (),
         message="no PostgreSQL cluster under /etc/postgresql"),
]

# --- SYSTEMD-AVAILABILITY-002: a standby ------------------------------------------------------
# A replication line from another host (with wal_level replica/logical and wal senders),
# primary_conninfo or synchronous_standby_names passes; none of them fails; a replication
# line from loopback, wal_level = minimal or max_wal_senders = 0 does not count.
REPLICATION = "host    replication  replicator 10.0.0.2/32      scram-sha-256"
AVAILABILITY_002 = [
    case("SYSTEMD-AVAILABILITY-002", "replication line", BASE, "pass", PG,
         (f"{HBA_PATH}:5: host replication from 10.0.0.2/32",), location=(PGCONF, None),
         message="a standby is configured"),
    case("SYSTEMD-AVAILABILITY-002", "none", hba(REPLICATION + "\n", ""), "fail", PG,
         ("no primary_conninfo, synchronous_standby_names, standby.signal or replication line "
          "in pg_hba.conf",), location=(PGCONF, None), message="no standby"),
    case("SYSTEMD-AVAILABILITY-002", "replication from loopback",
         hba("10.0.0.2/32", "127.0.0.1/32"), "fail", PG, ("no primary_conninfo",)),
    case("SYSTEMD-AVAILABILITY-002", "wal_level minimal",
         pgconf("fsync = on", "fsync = on\nwal_level = minimal"), "fail", PG,
         ("no primary_conninfo",)),
    case("SYSTEMD-AVAILABILITY-002", "wal_level logical",
         pgconf("fsync = on", "fsync = on\nwal_level = logical"), "pass", PG,
         (f"{HBA_PATH}:5: host replication from 10.0.0.2/32",)),
    case("SYSTEMD-AVAILABILITY-002", "max_wal_senders 0",
         pgconf("fsync = on", "fsync = on\nmax_wal_senders = 0"), "fail", PG,
         ("no primary_conninfo",)),
    case("SYSTEMD-AVAILABILITY-002", "max_wal_senders 1",
         pgconf("fsync = on", "fsync = on\nmax_wal_senders = 1"), "pass", PG,
         (f"{HBA_PATH}:5: host replication from 10.0.0.2/32",)),
    case("SYSTEMD-AVAILABILITY-002", "synchronous_standby_names",
         replaced(hba(REPLICATION + "\n", ""), PGCONF, "fsync = on",
                  "fsync = on\nsynchronous_standby_names = 'standby1'"), "pass", PG,
         (f"{CONF_PATH}:3: synchronous_standby_names is set",)),
    case("SYSTEMD-AVAILABILITY-002", "primary_conninfo",
         replaced(hba(REPLICATION + "\n", ""), PGCONF, "fsync = on",
                  "fsync = on\nprimary_conninfo = 'host=10.0.0.1 user=replicator'"), "pass", PG,
         (f"{CONF_PATH}:3: primary_conninfo is set",)),
    case("SYSTEMD-AVAILABILITY-002", "standby.signal in the data directory",
         changed(hba(REPLICATION + "\n", ""), {"var/lib/postgresql/15/main/standby.signal": ""}),
         "pass", PG, ("standby.signal in the data directory",)),
    # recovery.conf marks a standby up to PostgreSQL 11, as standby.signal does since 12.
    case("SYSTEMD-AVAILABILITY-002", "recovery.conf in the data directory",
         changed(hba(REPLICATION + "\n", ""),
                 {"var/lib/postgresql/15/main/recovery.conf": "standby_mode = 'on'\n"}),
         "pass", PG, ("standby.signal in the data directory",)),
    case("SYSTEMD-AVAILABILITY-002", "no cluster", NO_CLUSTER, "skip", "metadata-database", (),
         message="no PostgreSQL cluster under /etc/postgresql"),
]


# --- SYSTEMD-BACKUPS-001: a scheduled backup -----------------------------------------------
# A backup tool (pg_dump, pg_dumpall, pgbackrest, barman, wal-g...) in a cron job or an
# enabled timer passes, as does WAL archiving (archive_mode on/always with a real
# archive_command); a job cron or run-parts skips (a dot in the file name) or a timer
# that is not enabled fails; nothing fails; archive_command /bin/true, true, exit 0 or :
# or archive_mode off is no archiving.
DB = "metadata-database"
NO_BACKUP = changed(BASE, {CRON: None})
LOOKED = "looked in 0 crontab, cron script and timer file(s)"
DUMP = "pg_dump -Fc superset > /var/backups/superset.dump"
TIMER = "etc/systemd/system/pg-backup.timer"
TIMER_WANTS = "etc/systemd/system/timers.target.wants/pg-backup.timer"
TIMED = changed(NO_BACKUP, {
    TIMER: "[Timer]\nOnCalendar=daily\n\n[Install]\nWantedBy=timers.target\n",
    TIMER_WANTS: "",
    "etc/systemd/system/pg-backup.service": f"[Service]\nUser=postgres\nExecStart=/usr/bin/"
                                            f"{DUMP}\n",
})


def archiving(mode: str, command: str) -> dict[str, str]:
    return replaced(NO_BACKUP, PGCONF, "fsync = on",
                    f"fsync = on\narchive_mode = {mode}\narchive_command = '{command}'")


def cron(line: str, name: str = "pg-backup") -> dict[str, str]:
    return changed(NO_BACKUP, {f"etc/cron.d/{name}": line + "\n"})


BACKUPS_001 = [
    case("SYSTEMD-BACKUPS-001", "cron.d pg_dump", BASE, "pass", DB,
         ("/etc/cron.d/pg-backup:1 (30 2 * * *): pg_dump",), location=(CRON, 1),
         message="1 scheduled backup job(s)"),
    case("SYSTEMD-BACKUPS-001", "none", NO_BACKUP, "fail", DB,
         (LOOKED, "archive_mode off or archive_command empty"),
         message="no backup of the metadata database"),
    case("SYSTEMD-BACKUPS-001", "commented out", cron(f"# 30 2 * * * postgres {DUMP}"), "fail",
         DB, ("looked in 1 crontab, cron script and timer file(s)",)),
    *[case("SYSTEMD-BACKUPS-001", f"tool {tool}", cron(f"0 3 * * * postgres {command}"), "pass",
           DB, (f"/etc/cron.d/pg-backup:1 (0 3 * * *): {tool}",))
      for tool, command in (("pg_dumpall", "pg_dumpall > /var/backups/all.sql"),
                            ("pgbackrest", "pgbackrest --stanza=main backup"),
                            ("barman", "barman backup main"),
                            ("wal-g", "wal-g backup-push /var/lib/postgresql/15/main"),
                            ("pg_basebackup", "pg_basebackup -D /var/backups/base"))],
    case("SYSTEMD-BACKUPS-001", "cron.d name with a dot", cron(f"0 3 * * * postgres {DUMP}",
                                                                "pg-backup.cron"), "fail", DB,
         ("/etc/cron.d/pg-backup.cron:1 (0 3 * * *): pg_dump",),
         location=("etc/cron.d/pg-backup.cron", 1), message="a backup job exists but never runs"),
    case("SYSTEMD-BACKUPS-001", "cron.daily script",
         changed(NO_BACKUP, {"etc/cron.daily/pg-backup": f"#!/bin/sh\n{DUMP}\n"}), "pass", DB,
         ("/etc/cron.daily/pg-backup (cron.daily): pg_dump",),
         location=("etc/cron.daily/pg-backup", None)),
    case("SYSTEMD-BACKUPS-001", "cron.daily script with a dot",
         changed(NO_BACKUP, {"etc/cron.daily/pg-backup.sh": f"#!/bin/sh\n{DUMP}\n"}), "fail", DB,
         ("/etc/cron.daily/pg-backup.sh (cron.daily): pg_dump",),
         message="run-parts skips /etc/cron.daily/pg-backup.sh"),
    case("SYSTEMD-BACKUPS-001", "a /proc path in the command is not read",
         changed(cron("0 3 * * * root cat /proc/loadavg > /tmp/load"),
                 {"proc/loadavg": "pg_dump\n"}), "fail", DB,
         ("archive_mode off or archive_command empty",)),
    case("SYSTEMD-BACKUPS-001", "a /dev path in the command is not read",
         changed(cron("0 3 * * * root cat /dev/backup-notes > /tmp/notes"),
                 {"dev/backup-notes": "pg_dump\n"}), "fail", DB,
         ("archive_mode off or archive_command empty",)),
    case("SYSTEMD-BACKUPS-001", "enabled timer", TIMED, "pass", DB,
         ("/etc/systemd/system/pg-backup.service:3 (OnCalendar=daily): pg_dump",)),
    case("SYSTEMD-BACKUPS-001", "timer not enabled", changed(TIMED, {TIMER_WANTS: None}), "fail",
         DB, ("/etc/systemd/system/pg-backup.service:3 (OnCalendar=daily): pg_dump",),
         message="pg-backup.timer is not enabled"),
    case("SYSTEMD-BACKUPS-001", "WAL archiving on",
         archiving("on", "test ! -f /mnt/wal/%f && cp %p /mnt/wal/%f"), "pass", DB,
         (f"{CONF_PATH}:4: archive_command test ! -f /mnt/wal/%f && cp %p /mnt/wal/%f",),
         location=(PGCONF, 4), message="continuous WAL archiving"),
    case("SYSTEMD-BACKUPS-001", "WAL archiving always",
         archiving("always", "cp %p /mnt/wal/%f"), "pass", DB,
         (f"{CONF_PATH}:4: archive_command cp %p /mnt/wal/%f",)),
    case("SYSTEMD-BACKUPS-001", "archive_mode off",
         archiving("off", "cp %p /mnt/wal/%f"), "fail", DB,
         ("archive_mode off or archive_command empty",)),
    *[case("SYSTEMD-BACKUPS-001", f"archive_command {command}", archiving("on", command), "fail",
           DB, ("archive_mode off or archive_command empty",))
      for command in ("/bin/true", "true", "exit 0", ":", "")],
]

# --- SYSTEMD-BACKUPS-002: off the host ----------------------------------------------------
# A running backup or archive_command that copies off the host (aws s3, rclone, s3cmd,
# gsutil, azcopy, mc, scp/rsync to a host, restic/borg to a remote repository, wal-g,
# barman-cloud, pgbackrest with a remote repository) passes; backups kept here fail; an
# idle backup job and no backup at all fail.
BACKUPS_002 = [
    case("SYSTEMD-BACKUPS-002", "aws s3", BASE, "pass", DB,
         ("/etc/cron.d/pg-backup:1 (30 2 * * *): pg_dump -> aws s3",), location=(CRON, 1),
         message="backups are copied off the host"),
    case("SYSTEMD-BACKUPS-002", "local dump", cron(f"0 3 * * * postgres {DUMP}"), "fail", DB,
         ("/etc/cron.d/pg-backup:1 (0 3 * * *): pg_dump",), message="backups stay on this host"),
    *[case("SYSTEMD-BACKUPS-002", f"copied by {label}",
           cron(f"0 3 * * * postgres {DUMP} && {copy}"), "pass", DB,
           (f"/etc/cron.d/pg-backup:1 (0 3 * * *): pg_dump -> {label}",))
      for copy, label in (
          ("rclone copy /var/backups remote:superset", "rclone to a remote"),
          ("s3cmd put /var/backups/superset.dump s3://b/", "s3cmd"),
          ("gsutil cp /var/backups/superset.dump gs://b/", "Google Cloud Storage"),
          ("azcopy copy /var/backups/superset.dump https://a.blob/c", "Azure storage"),
          ("mc cp /var/backups/superset.dump minio/b/", "MinIO client"),
          ("scp /var/backups/superset.dump backup@10.0.0.9:/srv/", "scp to another host"),
          ("rsync -a /var/backups/ backup@10.0.0.9:/srv/superset/", "rsync to another host"),
          ("restic -r s3:s3.amazonaws.com/b backup /var/backups", "restic to a remote repository"),
          ("borg create ssh://backup@10.0.0.9/./repo::x /var/backups",
           "borg to a remote repository"))],
    case("SYSTEMD-BACKUPS-002", "dump in cron, upload in the script it calls",
         changed(cron(f"0 3 * * * postgres {DUMP} && /usr/local/bin/ship-backup"),
                 {"usr/local/bin/ship-backup": "#!/bin/sh\naws s3 cp /var/backups/superset.dump "
                                               "s3://backups/\n"}), "pass", DB,
         ("/etc/cron.d/pg-backup:1 (0 3 * * *): pg_dump -> aws s3",)),
    case("SYSTEMD-BACKUPS-002", "pgbackrest job with a remote repository",
         changed(cron("0 3 * * * postgres pgbackrest --stanza=main backup"),
                 {"etc/pgbackrest/pgbackrest.conf": "[global]\nrepo1-host=backup.internal\n"}),
         "pass", DB, ("/etc/cron.d/pg-backup:1 (0 3 * * *): pgbackrest -> pgbackrest with a "
                      "remote repository",)),
    case("SYSTEMD-BACKUPS-002", "rsync to a local directory",
         cron(f"0 3 * * * postgres {DUMP} && rsync -a /var/backups/ /mnt/backup/"), "fail", DB,
         ("/etc/cron.d/pg-backup:1 (0 3 * * *): pg_dump",)),
    case("SYSTEMD-BACKUPS-002", "wal-g archiving",
         archiving("on", "wal-g wal-push %p"), "pass", DB,
         (f"{CONF_PATH}:4: archive_command -> wal-g (object storage)",), location=(PGCONF, 4)),
    case("SYSTEMD-BACKUPS-002", "wal-g to a local prefix",
         archiving("on", "WALG_FILE_PREFIX=/mnt/wal wal-g wal-push %p"), "fail", DB,
         (f"{CONF_PATH}:4: archive_command WALG_FILE_PREFIX=/mnt/wal wal-g wal-push %p",)),
    case("SYSTEMD-BACKUPS-002", "pgbackrest with a remote repository",
         changed(archiving("on", "pgbackrest --stanza=main archive-push %p"), {
             "etc/pgbackrest/pgbackrest.conf": "[global]\nrepo1-type=s3\n"}), "pass", DB,
         (f"{CONF_PATH}:4: archive_command -> pgbackrest with a remote repository",)),
    case("SYSTEMD-BACKUPS-002", "pgbackrest with a local repository",
         changed(archiving("on", "pgbackrest --stanza=main archive-push %p"), {
             "etc/pgbackrest/pgbackrest.conf": "[global]\nrepo1-path=/var/lib/pgbackrest\n"}),
         "fail", DB, (f"{CONF_PATH}:4: archive_command pgbackrest",)),
    case("SYSTEMD-BACKUPS-002", "the only job never runs",
         cron(f"0 3 * * * postgres {DUMP}", "pg-backup.cron"), "fail", DB,
         ("/etc/cron.d/pg-backup.cron:1 (0 3 * * *): pg_dump",),
         location=("etc/cron.d/pg-backup.cron", 1),
         message="the only backup job never runs, and it would keep the dump on this host"),
    case("SYSTEMD-BACKUPS-002", "no backup", NO_BACKUP, "fail", DB,
         ("no scheduled backup or WAL archiving found",),
         message="no backup leaves the host (there is no backup)"),
]

# --- SYSTEMD-LOGGING-001: log files rotated --------------------------------------------------
# No log file (the journal) passes; a file from gunicorn --access-logfile/--error-logfile,
# celery --logfile or StandardOutput=append: without a logrotate rule fails; a rule with
# rotate -1 (old files kept forever, no maxage) warns; a rule (or glob) with a bound passes;
# logrotate ignores backup files in logrotate.d (superset.dpkg-old).
ACCESS = "/var/log/superset/access.log"
LOGGED = unit("-w 4", f"-w 4 --access-logfile {ACCESS}")
ROTATE = "etc/logrotate.d/superset"
LOGGING_001 = [
    case("SYSTEMD-LOGGING-001", "journal only", BASE, "pass", SVC,
         ("no log file option or StandardOutput=append:",), location=(UNIT, None),
         message="logs go to the journal"),
    case("SYSTEMD-LOGGING-001", "gunicorn - is stdout", unit("-w 4", "-w 4 --access-logfile -"),
         "pass", SVC, ("no log file option or StandardOutput=append:",)),
    case("SYSTEMD-LOGGING-001", "access log, no rule", LOGGED, "fail", SVC,
         (f"{ACCESS} (gunicorn --access-logfile): no logrotate rule",), location=(UNIT, None),
         message=f"{ACCESS} is never rotated"),
    case("SYSTEMD-LOGGING-001", "error log, no rule",
         unit("-w 4", "-w 4 --error-logfile /var/log/superset/error.log"), "fail", SVC,
         ("/var/log/superset/error.log (gunicorn --error-logfile): no logrotate rule",)),
    case("SYSTEMD-LOGGING-001", "StandardOutput=append:",
         unit("User=superset", "User=superset\nStandardOutput=append:/var/log/superset/out.log"),
         "fail", SVC, ("/var/log/superset/out.log (StandardOutput=append:): no logrotate rule",)),
    case("SYSTEMD-LOGGING-001", "rotated",
         changed(LOGGED, {ROTATE: f"{ACCESS} {{\n    daily\n    rotate 14\n}}\n"}), "pass",
         SVC, (f"{ACCESS}: rotated by /etc/logrotate.d/superset:1",),
         message="every log file is rotated"),
    case("SYSTEMD-LOGGING-001", "rotated by a glob",
         changed(LOGGED, {ROTATE: "/var/log/superset/*.log {\n    weekly\n    rotate 4\n}\n"}),
         "pass", SVC, (f"{ACCESS}: rotated by /etc/logrotate.d/superset:1",)),
    case("SYSTEMD-LOGGING-001", "a glob one directory up",
         changed(LOGGED, {ROTATE: "/var/log/*.log {\n    weekly\n    rotate 4\n}\n"}),
         "fail", SVC, (f"{ACCESS} (gunicorn --access-logfile): no logrotate rule",)),
    case("SYSTEMD-LOGGING-001", "a glob over directories",
         changed(LOGGED, {ROTATE: "/var/log/*/*.log {\n    weekly\n    rotate 4\n}\n"}),
         "pass", SVC, (f"{ACCESS}: rotated by /etc/logrotate.d/superset:1",)),
    case("SYSTEMD-LOGGING-001", "rotate 0",
         changed(LOGGED, {ROTATE: f"{ACCESS} {{\n    rotate 0\n}}\n"}), "pass",
         SVC, (f"{ACCESS}: rotated by /etc/logrotate.d/superset:1",)),
    case("SYSTEMD-LOGGING-001", "rotate -1",
         changed(LOGGED, {ROTATE: f"{ACCESS} {{\n    rotate -1\n}}\n"}), "warn", SVC,
         (f"{ACCESS}: /etc/logrotate.d/superset:1 keeps every old file (rotate -1)",),
         location=(UNIT, None), message="rotated but old logs are never deleted"),
    case("SYSTEMD-LOGGING-001", "rotate -1 with maxage",
         changed(LOGGED, {ROTATE: f"{ACCESS} {{\n    rotate -1\n    maxage 30\n}}\n"}), "pass",
         SVC, (f"{ACCESS}: rotated by /etc/logrotate.d/superset:1",)),
    case("SYSTEMD-LOGGING-001", "rule only in a backup file",
         changed(LOGGED, {ROTATE + ".dpkg-old": f"{ACCESS} {{\n    rotate 14\n}}\n"}), "fail",
         SVC, (f"{ACCESS} (gunicorn --access-logfile): no logrotate rule",)),
    case("SYSTEMD-LOGGING-001", "rule for another file",
         changed(LOGGED, {ROTATE: "/var/log/superset/error.log {\n    rotate 14\n}}\n"}),
         "fail", SVC, (f"{ACCESS} (gunicorn --access-logfile): no logrotate rule",)),
]

# --- SYSTEMD-LOGGING-002: the journal ------------------------------------------------------
# Storage=volatile or none fails; persistent or auto (the default) with SystemMaxUse=
# passes, without it warns; drop-ins in journald.conf.d override journald.conf, the same
# file name in /etc hides the one in /usr/lib, and an empty value resets to the default.
JOURNALD_D = "etc/systemd/journald.conf.d/10-superset.conf"


def journal(storage: str) -> dict[str, str]:
    return replaced(BASE, JOURNALD, "Storage=persistent", storage)


LOGGING_002 = [
    case("SYSTEMD-LOGGING-002", "persistent and bounded", BASE, "pass", "journald",
         ("Storage=persistent (/etc/systemd/journald.conf:2)",
          "SystemMaxUse=1G (/etc/systemd/journald.conf:3)"), location=(JOURNALD, 2),
         message="journal kept on disk, bounded at 1G"),
    case("SYSTEMD-LOGGING-002", "auto and bounded", journal("Storage=auto"), "pass", "journald",
         ("Storage=auto (/etc/systemd/journald.conf:2)",)),
    case("SYSTEMD-LOGGING-002", "volatile", journal("Storage=volatile"), "fail", "journald",
         ("Storage=volatile (/etc/systemd/journald.conf:2)",), location=(JOURNALD, 2),
         message="Storage=volatile: the journal is kept in memory only"),
    case("SYSTEMD-LOGGING-002", "none", journal("Storage=none"), "fail", "journald",
         ("Storage=none (/etc/systemd/journald.conf:2)",), location=(JOURNALD, 2),
         message="Storage=none: the journal is discarded"),
    case("SYSTEMD-LOGGING-002", "no SystemMaxUse",
         replaced(BASE, JOURNALD, "SystemMaxUse=1G\n", ""), "warn", "journald",
         ("Storage=persistent (/etc/systemd/journald.conf:2)",
          "SystemMaxUse unset (default: 10% of the file system, at most 4 GiB)"),
         location=(JOURNALD, 2), message="bounded only by journald's default"),
    case("SYSTEMD-LOGGING-002", "no journald.conf", changed(BASE, {JOURNALD: None}), "warn",
         "journald", ("Storage=auto (default)",
                      "SystemMaxUse unset (default: 10% of the file system, at most 4 GiB)")),
    case("SYSTEMD-LOGGING-002", "drop-in sets volatile",
         changed(BASE, {JOURNALD_D: "[Journal]\nStorage=volatile\n"}), "fail", "journald",
         ("Storage=volatile (/etc/systemd/journald.conf.d/10-superset.conf:2)",),
         location=(JOURNALD_D, 2)),
    case("SYSTEMD-LOGGING-002", "drop-in resets Storage",
         changed(journal("Storage=volatile"), {JOURNALD_D: "[Journal]\nStorage=\n"}), "pass",
         "journald", ("Storage=auto (default)",)),
    case("SYSTEMD-LOGGING-002", "/etc drop-in hides /usr/lib's",
         changed(BASE, {"usr/lib/systemd/journald.conf.d/10-superset.conf":
                        "[Journal]\nStorage=volatile\n",
                        JOURNALD_D: "[Journal]\nStorage=persistent\n"}), "pass", "journald",
         ("Storage=persistent (/etc/systemd/journald.conf.d/10-superset.conf:2)",)),
    case("SYSTEMD-LOGGING-002", "another section", journal("[Other]\nStorage=volatile"), "warn",
         "journald", ("Storage=auto (default)",)),
]

# --- SYSTEMD-MONITORING-001: something watches ---------------------------------------------
# An enabled agent unit (node exporter, telegraf, zabbix-agent...), a running cron job that
# probes /health (or /healthcheck, /ping) or gunicorn --statsd-host passes; an agent that
# is installed but not enabled, or nothing, fails.
AGENT = "etc/systemd/system/prometheus-node-exporter.service"
AGENT_WANTS = "etc/systemd/system/multi-user.target.wants/prometheus-node-exporter.service"
UNWATCHED = changed(BASE, {AGENT: None, AGENT_WANTS: None})


def agent(name: str) -> dict[str, str]:
    return changed(UNWATCHED, {
        f"etc/systemd/system/{name}.service": f"[Service]\nExecStart=/usr/bin/{name}\n",
        f"etc/systemd/system/multi-user.target.wants/{name}.service": ""})


MONITORING_001 = [
    case("SYSTEMD-MONITORING-001", "node exporter", BASE, "pass", "host",
         ("enabled agent: prometheus-node-exporter.service",),
         message="monitored: enabled agent: prometheus-node-exporter.service"),
    *[case("SYSTEMD-MONITORING-001", f"agent {name}", agent(name), "pass", "host",
           (f"enabled agent: {name}.service",))
      for name in ("telegraf", "zabbix-agent", "datadog-agent", "netdata", "node_exporter")],
    case("SYSTEMD-MONITORING-001", "nothing", UNWATCHED, "fail", "host",
         ("1 service units read, none a known agent",), message="nothing watches the host"),
    case("SYSTEMD-MONITORING-001", "agent not enabled", changed(BASE, {AGENT_WANTS: None}),
         "fail", "host", ("2 service units read, none a known agent",)),
    case("SYSTEMD-MONITORING-001", "an unknown service",
         changed(UNWATCHED, {"etc/systemd/system/cups.service": "[Service]\nExecStart=/x\n",
                             "etc/systemd/system/multi-user.target.wants/cups.service": ""}),
         "fail", "host", ("2 service units read, none a known agent",)),
    case("SYSTEMD-MONITORING-001", "health probe",
         changed(UNWATCHED, {"etc/cron.d/health": "*/5 * * * * root curl -fsS "
                                                   "http://127.0.0.1:8088/health\n"}),
         "pass", "host", ("/etc/cron.d/health:1: health probe (*/5 * * * *)",)),
    case("SYSTEMD-MONITORING-001", "healthcheck probe with wget",
         changed(UNWATCHED, {"etc/cron.d/health": "*/5 * * * * root wget -q -O- "
                                                   "http://127.0.0.1:8088/healthcheck\n"}),
         "pass", "host", ("/etc/cron.d/health:1: health probe (*/5 * * * *)",)),
    case("SYSTEMD-MONITORING-001", "probe that never runs",
         changed(UNWATCHED, {"etc/cron.d/health.cron": "*/5 * * * * root curl -fsS "
                                                        "http://127.0.0.1:8088/health\n"}),
         "fail", "host", ("1 service units read, none a known agent",)),
    # Metrics sent to this host reach nothing when no agent listens here (2e920bf).
    case("SYSTEMD-MONITORING-001", "statsd to this host, no agent",
         replaced(UNWATCHED, UNIT, "-w 4", "-w 4 --statsd-host 127.0.0.1:9125"), "warn", "host",
         ("gunicorn --statsd-host 127.0.0.1:9125", "1 service units read, none a known agent")),
    case("SYSTEMD-MONITORING-001", "statsd to another host",
         replaced(UNWATCHED, UNIT, "-w 4", "-w 4 --statsd-host metrics.internal:9125"), "pass",
         "host", ("superset.service: gunicorn --statsd-host metrics.internal:9125",)),
]

# --- SYSTEMD-GITOPS-001: declared configuration ---------------------------------------------
# An 'Ansible managed' (or 'Managed by Puppet/Salt/Chef', 'this file is managed by', 'do
# not edit ... puppet') header in a Superset unit or drop-in, or /etc/.git, passes; only
# a config-management agent installed warns; nothing fails.
HAND = unit("# Ansible managed", "# written by hand")
GITOPS_001 = [
    case("SYSTEMD-GITOPS-001", "Ansible header", BASE, "pass", "host",
         ('/etc/systemd/system/superset.service: "Ansible managed"',),
         message="the configuration is managed"),
    *[case("SYSTEMD-GITOPS-001", f"header {header}", unit("# Ansible managed", f"# {header}"),
           "pass", "host", (f'/etc/systemd/system/superset.service: "{shown}"',))
      for header, shown in (("Managed by Puppet", "Managed by Puppet"),
                            ("managed by salt", "managed by salt"),
                            ("This file is managed by chef", "This file is managed by"),
                            ("DO NOT EDIT: by Puppet", "DO NOT EDIT: by Puppet"))],
    case("SYSTEMD-GITOPS-001", "header in a drop-in",
         changed(HAND, {DROPIN: "# Ansible managed\n[Service]\nRestart=always\n"}), "pass",
         "host", ('/etc/systemd/system/superset.service.d/override.conf: "Ansible managed"',)),
    case("SYSTEMD-GITOPS-001", "etckeeper", changed(HAND, {"etc/.git/HEAD": "ref: main\n"}),
         "pass", "host", ("/etc is a git repository (etckeeper)",)),
    case("SYSTEMD-GITOPS-001", "hand-edited", HAND, "fail", "host",
         ("no 'Ansible managed' (or Puppet/Salt/Chef) header, no /etc/.git",),
         message="hand-edited: no configuration management marker in Superset's units or "
                 "config and /etc is not under version control"),
    case("SYSTEMD-GITOPS-001", "header in another unit",
         replaced(HAND, AGENT, "[Service]", "# Ansible managed\n[Service]"), "fail", "host",
         ("no 'Ansible managed' (or Puppet/Salt/Chef) header, no /etc/.git",)),
    case("SYSTEMD-GITOPS-001", "Puppet agent only",
         changed(HAND, {"etc/puppetlabs/puppet/puppet.conf": "[main]\n"}), "warn", "host",
         ("agent: Puppet agent (/etc/puppetlabs/puppet)",),
         message="a configuration-management agent is installed"),
    case("SYSTEMD-GITOPS-001", "Salt minion only",
         changed(HAND, {"etc/salt/minion": "master: salt\n"}), "warn", "host",
         ("agent: Salt minion (/etc/salt/minion)",)),
]

# --- SYSTEMD-ROLLBACK-001: pinned version ------------------------------------------------------
# apache-superset==X (or ===, with extras, or a uv/poetry lock) in a requirements or
# constraints file of the app directories passes, as do two or more release directories
# next to the virtualenv; an unpinned requirement fails; no record at all fails.
REQ_PATH = "/opt/superset/requirements.txt"


def requirement(line: str) -> dict[str, str]:
    return changed(BASE, {REQUIREMENTS: line + "\n"})


ROLLBACK_001 = [
    case("SYSTEMD-ROLLBACK-001", "pinned", BASE, "pass", "superset",
         (f"{REQ_PATH}:1: apache-superset==4.1.1",), message="the Superset version is pinned"),
    *[case("SYSTEMD-ROLLBACK-001", f"pinned {line}", requirement(line), "pass", "superset",
           (f"{REQ_PATH}:1: apache-superset=={version}",))
      for line, version in (("apache-superset[postgres]==4.1.1", "4.1.1"),
                            ("apache_superset==4.1.1", "4.1.1"),
                            ("Apache-Superset === 4.1.1", "4.1.1"))],
    *[case("SYSTEMD-ROLLBACK-001", f"unpinned {line}", requirement(line), "fail", "superset",
           (f"{REQ_PATH}:1: {line}",), message="apache-superset is not pinned")
      for line in ("apache-superset", "apache-superset>=4.1", "apache-superset~=4.1.0",
                   "apache-superset[postgres]>=4.1", "apache-superset==4.1.*",
                   "apache-superset==4.*")],
    case("SYSTEMD-ROLLBACK-001", "constraints file",
         changed(BASE, {REQUIREMENTS: None,
                        "opt/superset/constraints-4.1.txt": "apache-superset==4.1.1\n"}),
         "pass", "superset", ("/opt/superset/constraints-4.1.txt:1: apache-superset==4.1.1",)),
    case("SYSTEMD-ROLLBACK-001", "uv.lock",
         changed(BASE, {REQUIREMENTS: None,
                        "opt/superset/uv.lock": '[[package]]\nname = "apache-superset"\n'}),
         "pass", "superset", ("/opt/superset/uv.lock: apache-superset locked",)),
    case("SYSTEMD-ROLLBACK-001", "no record", changed(BASE, {REQUIREMENTS: None}), "fail",
         "superset", ("looked in WorkingDirectory, the virtualenv's parent, /opt/superset, "
                      "/srv/superset and /etc/superset",),
         message="no record of the installed Superset version (no pinned requirements, "
                 "lock file or release directories)"),
    case("SYSTEMD-ROLLBACK-001", "a file of another name",
         changed(BASE, {REQUIREMENTS: None, "opt/superset/notes.txt": "apache-superset==4.1.1\n"}),
         "fail", "superset", ("looked in WorkingDirectory, the virtualenv's parent",)),
    case("SYSTEMD-ROLLBACK-001", "two release directories",
         changed(replaced(BASE, UNIT, "/opt/superset/venv/bin/gunicorn",
                          "/opt/superset/releases/4.1.1/venv/bin/gunicorn"),
                 {REQUIREMENTS: None,
                  "opt/superset/releases/4.1.1/venv/bin/python": "",
                  "opt/superset/releases/4.0.2/venv/bin/python": ""}),
         "pass", "superset", ("/opt/superset/releases/4.0.2", "/opt/superset/releases/4.1.1"),
         message="2 releases kept side by side"),
    case("SYSTEMD-ROLLBACK-001", "one release directory",
         changed(replaced(BASE, UNIT, "/opt/superset/venv/bin/gunicorn",
                          "/opt/superset/releases/4.1.1/venv/bin/gunicorn"),
                 {REQUIREMENTS: None,
                  "opt/superset/releases/4.1.1/venv/bin/python": ""}),
         "fail", "superset", ("looked in WorkingDirectory, the virtualenv's parent",)),
]

# --- SYSTEMD-UPDATES-001: unattended upgrades ------------------------------------------------
# Update-Package-Lists and Unattended-Upgrade both on (not 0, false, no, never, empty)
# with the unattended-upgrades configuration and a security origin passes; either off or
# unset fails; the configuration missing fails; origins without a security one warn.
# APT reads apt.conf.d in name order and apt.conf after it, and skips files with an
# extension other than .conf (20auto-upgrades.dpkg-old, .bak, .disabled).
APT_AUTO = "/etc/apt/apt.conf.d/20auto-upgrades"


def apt(old: str, new: str) -> dict[str, str]:
    return replaced(BASE, AUTO, old, new)


UPGRADE_ON = 'APT::Periodic::Unattended-Upgrade "1";'
UPGRADE_OFF = 'APT::Periodic::Unattended-Upgrade "0";'
UPDATES_001 = [
    case("SYSTEMD-UPDATES-001", "on with a security origin", BASE, "pass", "apt",
         (f'{APT_AUTO}:1: APT::Periodic::Update-Package-Lists "1"',
          f'{APT_AUTO}:2: APT::Periodic::Unattended-Upgrade "1"',
          "unattended-upgrades configuration: /etc/apt/apt.conf.d/50unattended-upgrades"),
         location=(AUTO, 2), message="security updates are installed automatically"),
    *[case("SYSTEMD-UPDATES-001", f"Unattended-Upgrade {value}",
           apt(UPGRADE_ON, f'APT::Periodic::Unattended-Upgrade "{value}";'), "fail", "apt",
           (f'{APT_AUTO}:2: APT::Periodic::Unattended-Upgrade "{value}"',), location=(AUTO, 2),
           message="automatic upgrades are off")
      for value in ("0", "", "false", "no", "never")],
    case("SYSTEMD-UPDATES-001", "Update-Package-Lists 0",
         apt('Update-Package-Lists "1"', 'Update-Package-Lists "0"'), "fail", "apt",
         (f'{APT_AUTO}:1: APT::Periodic::Update-Package-Lists "0"',)),
    case("SYSTEMD-UPDATES-001", "Unattended-Upgrade 7",
         apt(UPGRADE_ON, 'APT::Periodic::Unattended-Upgrade "7";'),
         "pass", "apt", (f'{APT_AUTO}:2: APT::Periodic::Unattended-Upgrade "7"',)),
    case("SYSTEMD-UPDATES-001", "unset", changed(BASE, {AUTO: None}), "fail", "apt",
         ("APT::Periodic::Update-Package-Lists unset", "APT::Periodic::Unattended-Upgrade unset")),
    case("SYSTEMD-UPDATES-001", "nested syntax",
         changed(BASE, {AUTO: 'APT {\n  Periodic {\n    Update-Package-Lists "1";\n'
                              '    Unattended-Upgrade "1";\n  };\n};\n'}), "pass", "apt",
         ('APT::Periodic::Unattended-Upgrade "1"',)),
    case("SYSTEMD-UPDATES-001", "commented out",
         apt(UPGRADE_ON, "// " + UPGRADE_ON), "fail", "apt",
         ("APT::Periodic::Unattended-Upgrade unset",)),
    case("SYSTEMD-UPDATES-001", "a later file turns it off",
         changed(BASE, {"etc/apt/apt.conf.d/99local": UPGRADE_OFF + "\n"}), "fail", "apt",
         ('/etc/apt/apt.conf.d/99local:1: APT::Periodic::Unattended-Upgrade "0"',),
         location=("etc/apt/apt.conf.d/99local", 1)),
    case("SYSTEMD-UPDATES-001", "apt.conf is read after apt.conf.d",
         changed(BASE, {"etc/apt/apt.conf": UPGRADE_OFF + "\n"}), "fail", "apt",
         ('/etc/apt/apt.conf:1: APT::Periodic::Unattended-Upgrade "0"',)),
    *[case("SYSTEMD-UPDATES-001", f"ignored file {name}",
           changed(apt(UPGRADE_ON, UPGRADE_OFF), {f"etc/apt/apt.conf.d/{name}": UPGRADE_ON + "\n"}),
           "fail", "apt", (f'{APT_AUTO}:2: APT::Periodic::Unattended-Upgrade "0"',))
      for name in ("20auto-upgrades.dpkg-old", "20auto-upgrades.bak", "30local.disabled",
                   "30local.ucf-dist", "30local~", "30 local")],
    case("SYSTEMD-UPDATES-001", "a .conf file is read",
         changed(apt(UPGRADE_ON, UPGRADE_OFF), {"etc/apt/apt.conf.d/30local.conf":
                                                UPGRADE_ON + "\n"}),
         "pass", "apt", ('/etc/apt/apt.conf.d/30local.conf:1: APT::Periodic::Unattended-Upgrade '
                         '"1"',)),
    case("SYSTEMD-UPDATES-001", "APT::Periodic::Enable 0",
         changed(BASE, {"etc/apt/apt.conf.d/10periodic": 'APT::Periodic::Enable "0";\n'}),
         "fail", "apt", ('/etc/apt/apt.conf.d/10periodic:1: APT::Periodic::Enable "0"',),
         location=("etc/apt/apt.conf.d/10periodic", 1),
         message="APT::Periodic::Enable turns every periodic APT job off"),
    case("SYSTEMD-UPDATES-001", "APT::Periodic::Enable 1",
         changed(BASE, {"etc/apt/apt.conf.d/10periodic": 'APT::Periodic::Enable "1";\n'}),
         "pass", "apt", (f'{APT_AUTO}:2: APT::Periodic::Unattended-Upgrade "1"',)),
    case("SYSTEMD-UPDATES-001", "no unattended-upgrades configuration",
         changed(BASE, {UNATTENDED: None}), "fail", "apt",
         ("unattended-upgrades configuration: missing",),
         message="the unattended-upgrades package's configuration is missing"),
    case("SYSTEMD-UPDATES-001", "no security origin",
         replaced(BASE, UNATTENDED, "label=Debian-Security", "label=Debian"), "warn", "apt",
         ("origin=Debian,codename=${distro_codename},label=Debian",),
         message="no security origin is allowed"),
    case("SYSTEMD-UPDATES-001", "Allowed-Origins with security",
         changed(BASE, {UNATTENDED: 'Unattended-Upgrade::Allowed-Origins {\n'
                                    '    "${distro_id}:${distro_codename}-security";\n};\n'}),
         "pass", "apt", ("unattended-upgrades configuration: /etc/apt/apt.conf.d/"
                         "50unattended-upgrades",)),
]


# --- Skips: the metadata database lives elsewhere ---------------------------------------------
# With no cluster here and superset_config.py naming another host, backups and durability
# are that host's: BACKUPS-001/002 and STORAGE-001 skip and say where; a loopback URI
# with no cluster here says the settings cannot be read.
CONFIG = "etc/superset/superset_config.py"


def elsewhere(host: str) -> dict[str, str]:
    return changed(NO_BACKUP, {PGCONF: None, HBA: None, CONFIG: (
        f'SQLALCHEMY_DATABASE_URI = "postgresql://superset@{host}:5432/superset"\n')})


SKIPS = [
    case("SYSTEMD-BACKUPS-001", "database on another host", elsewhere("db.internal"), "skip",
         DB, ("looked in 0 crontab, cron script and timer file(s)",),
         message="the metadata database is on db.internal:5432, outside what was audited"),
    case("SYSTEMD-BACKUPS-002", "database on another host", elsewhere("db.internal"), "skip",
         DB, ("no scheduled backup or WAL archiving on this host",),
         message="the metadata database is on db.internal:5432, outside what was audited"),
    # No cluster configuration in the tree (elsewhere() drops it): WAL archiving is not
    # "off", there is none configured here to read.
    case("SYSTEMD-BACKUPS-001", "database on loopback, no backup", elsewhere("127.0.0.1"),
         "fail", DB, ("no PostgreSQL cluster under /etc/postgresql: no WAL archiving "
                      "configured here",)),
    case("SYSTEMD-STORAGE-001", "database on another host", elsewhere("db.internal"), "skip",
         DB, (), message="no PostgreSQL on this host (the metadata database is on db.internal)"),
    case("SYSTEMD-STORAGE-001", "database on loopback", elsewhere("localhost"), "skip", DB, (),
         message="the metadata database is on localhost but no PostgreSQL cluster is under "
                 "/etc/postgresql (nor a live DSN): its durability settings cannot be read"),
]

CASES: list[Case] = [*SUPERVISION_001, *SUPERVISION_002, *ISOLATION_001, *ISOLATION_002,
                     *ISOLATION_003, *RESOURCES_001, *RESOURCES_002, *APP_SECURITY_001,
                     *APP_SECURITY_002, *CONFIG_SECRETS_001, *CONFIG_SECRETS_002,
                     *CONFIG_SECRETS_003, *STORAGE_001, *AVAILABILITY_002, *BACKUPS_001,
                     *BACKUPS_002, *LOGGING_001, *LOGGING_002, *MONITORING_001, *GITOPS_001,
                     *ROLLBACK_001, *UPDATES_001, *SKIPS]
