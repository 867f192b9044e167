"""The staff console: the department's officers and administrators, under /staff on the gateway.

    app        `setup(app, config)`: adds every route below to the gateway app
    accounts   staff accounts: argon2id hashes, roles, lockout after failed logins
    sessions   login sessions in the console database (only a hash of the cookie is stored)
    security   cookies, CSRF tokens, same-origin checks, HTTPS detection
    guard      the decorator every /staff handler goes through (session, role, CSRF)
    pages/     the aiohttp handlers: login, scorecard (+ charts, exports), review, catalog, admin
    render     Jinja2 (autoescaped) over templates/; static/ holds the stylesheet
    charts     the scorecard's PNG charts (matplotlib, Agg)
    export     the scorecard as CSV and XLSX
    audit      the audit log;  period  the scorecard's dates;  texts  the Vietnamese sentences
    cli        `python -m bot staff ...`

Nothing is kept in process memory between requests: several gateway replicas share the database.
"""
