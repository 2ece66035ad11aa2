# Sourced by .ci/run: PostgreSQL, Redis and RabbitMQ on 127.0.0.1 at their standard ports for the tests that
# need real servers (tests/services.py), started if they do not answer, installed from Debian's packages
# first if they are not there at all (a fresh CI machine has only Python, pip and apt). Servers that already
# answer are left as they are.

_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

_wait_port() {  # name port seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if _port_open "$2"; then return 0; fi
    sleep 0.1
  done
  echo "$1 did not start listening on 127.0.0.1:$2 within $3 s" >&2
  return 1
}

_missing=()
if ! _port_open 5432 && ! compgen -G "/etc/postgresql/*/main" >/dev/null; then _missing+=(postgresql); fi
if ! _port_open 6379 && ! command -v redis-server >/dev/null; then _missing+=(redis-server); fi
if ! _port_open 5672 && ! command -v rabbitmq-server >/dev/null; then _missing+=(rabbitmq-server); fi
if ((${#_missing[@]})); then
  echo "installing ${_missing[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${_missing[@]}" >/dev/null
fi

_pg_ours=0
if [[ " ${_missing[*]} " == *" postgresql "* ]]; then _pg_ours=1; fi
if ! _port_open 5432; then
  _pg_version=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$_pg_version" main start
  _wait_port PostgreSQL 5432 60
  _pg_ours=1
fi
if ((_pg_ours)); then
  # A Debian cluster asks for a password over TCP (the project's machines trust local connections): the
  # tests then sign in as postgres with one set here, on the server this script installed or started.
  (cd / && runuser -u postgres -- psql -q -c "ALTER USER postgres PASSWORD 'graphsync-ci'")
  export GRAPHSYNC_TEST_POSTGRES="postgresql://postgres:graphsync-ci@127.0.0.1:5432/postgres"
fi
if ! _port_open 6379; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  _wait_port Redis 6379 30
fi
if ! _port_open 5672; then
  rabbitmq-server -detached
  _wait_port RabbitMQ 5672 120
fi
# Turns the skip of a test whose server is missing into a failure: CI always runs them.
export GRAPHSYNC_REQUIRE_SERVICES=1
unset _missing _pg_version _pg_ours
