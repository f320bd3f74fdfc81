-- The backend's PostgreSQL roles (ADMIN_GUIDE_RUNBOOK.md, "Database roles"). Run by an
-- administrator (compose: postgres-init, as the image's superuser), idempotently, on every start:
--
--   psql -v owner_role=afterresume_owner -v owner_password=… \
--        -v app_role=afterresume_app -v app_password=… \
--        -v database=afterresume -f postgres_roles.sql
--
-- owner_role owns the database and every table: it runs the migrations, nothing else.
-- app_role is what the API, the worker and beat connect as: it reads and writes rows, and after
-- each migration `manage.py grant_app_role` gives it exactly that. It owns nothing, so it cannot
-- ALTER a table (disable the ledger's append-only trigger) or TRUNCATE one, and, not being a
-- superuser, it cannot set session_replication_role (which would skip triggers) either.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I', :'owner_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner_role') \gexec
SELECT format('CREATE ROLE %I', :'app_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \gexec

ALTER ROLE :"owner_role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'owner_password';
ALTER ROLE :"app_role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'app_password';

ALTER DATABASE :"database" OWNER TO :"owner_role";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"app_role";

\connect :"database"
-- PostgreSQL 15: the public schema belongs to the database's owner; nobody else creates in it.
ALTER SCHEMA public OWNER TO :"owner_role";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- An installation whose tables were created by another role (before these roles existed): hand
-- them, and the trigger functions, to the owner. Sequences of identity columns follow their table.
SELECT format('ALTER TABLE public.%I OWNER TO %I', tablename, :'owner_role')
  FROM pg_tables WHERE schemaname = 'public' AND tableowner <> :'owner_role' \gexec
SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, :'owner_role')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> :'owner_role' \gexec
