"""Where the settings come from: the environment (and a developer's .env), the run folder of the
embedded defaults, and the Redis server the cache and the broker share when there is one. Read
by base.py and by the settings modules split from it (jobs.py)."""

from pathlib import Path

from environs import Env

BASE_DIR = Path(__file__).resolve().parents[2]
REPO_ROOT = BASE_DIR.parent

env = Env()
# A developer's .env at the repository root; tests ignore it so that they see only what they set.
if not env.bool("AFTERRESUME_IGNORE_DOTENV", False):
    env.read_env(str(REPO_ROOT / ".env"), recurse=False, override=False)

# Runtime state of the embedded defaults: SQLite file, broker folder, cache, media.
RUN_DIR = Path(env.path("AFTERRESUME_RUN_DIR", REPO_ROOT / ".run")).resolve()
RUN_DIR.mkdir(parents=True, exist_ok=True)

REDIS_URL = env.str("REDIS_URL", "")
