from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from afterresume.ops.backups import BackupError, backup_create
from afterresume.ops.tasks import backup_destination


class Command(BaseCommand):
    help = "Back up the database (pg_dump) with a list of the stored files and a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, default=None, help="Folder for backups (default: BACKUP_DIR).")

    def handle(self, *args, to, **options):
        try:
            manifest = backup_create(destination=to or backup_destination())
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"backup written to {manifest['folder']}")
        for table, count in manifest["counts"].items():
            self.stdout.write(f"  {table}: {count}")
        files = manifest["stored_files"]
        self.stdout.write(f"  stored files: {files['count']} ({files['missing']} missing)")
        problems = manifest["reconciliation"]["problems"]
        self.stdout.write(
            "  ledger: reconciled" if not problems else f"  ledger: {len(problems)} accounts do not reconcile"
        )
