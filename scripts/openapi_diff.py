#!/usr/bin/env python3
"""Compares two OpenAPI documents and prints what changed, path by path and schema by schema.

    scripts/openapi_diff.py BEFORE.json AFTER.json [--strict]

Lost paths, operations, parameters, response codes or component schemas are listed as LOST;
with --strict the script exits 1 when there is any (the served document may only gain).
Everything else (a property, enum or format added, a required field, a type narrowed or
widened) is listed so a person can judge it. Only the standard library: runs anywhere.
"""

import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def resolve(doc, schema):
    """A schema with a top-level $ref followed (once)."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if ref and ref.startswith("#/components/schemas/"):
        return doc["components"]["schemas"].get(ref.rsplit("/", 1)[1], {})
    return schema


def types(schema):
    t = schema.get("type")
    if t is None:
        return None
    return set(t) if isinstance(t, list) else {t}


def shape(schema):
    """A short text of what a schema admits, for one line of the report."""
    if not isinstance(schema, dict):
        return repr(schema)
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    for key in ("oneOf", "anyOf", "allOf"):
        if key in schema:
            return key + "(" + ", ".join(shape(s) for s in schema[key]) + ")"
    parts = []
    t = types(schema)
    if t:
        parts.append("|".join(sorted(t)))
    for k in ("format", "enum", "maxLength", "minLength", "minimum", "maximum", "pattern", "maxItems"):
        if k in schema:
            parts.append(f"{k}={schema[k]}")
    if "items" in schema:
        parts.append("items=" + shape(schema["items"]))
    if "additionalProperties" in schema and schema["additionalProperties"] is not True:
        ap = schema["additionalProperties"]
        parts.append("additionalProperties=" + (shape(ap) if isinstance(ap, dict) else str(ap)))
    if "properties" in schema:
        parts.append("properties")
    return " ".join(parts) or "any"


class Report:
    def __init__(self):
        self.lost = []
        self.changed = []
        self.gained = []

    def out(self):
        for title, rows in (("LOST", self.lost), ("CHANGED", self.changed), ("GAINED", self.gained)):
            print(f"== {title}: {len(rows)}")
            for r in rows:
                print("  " + r)


def unwrap_null(schema):
    """`X` of a nullable `oneOf`/`anyOf` [X, null], or of `type: [object, null]`."""
    if not isinstance(schema, dict):
        return schema
    for key in ("oneOf", "anyOf"):
        alts = schema.get(key)
        if alts and len(alts) == 2 and {"type": "null"} in alts:
            return next(a for a in alts if a != {"type": "null"})
    return schema


def compare_schema(before_doc, after_doc, before, after, where, rep, depth=0):
    if depth > 4:
        return
    if isinstance(before, dict) and isinstance(after, dict) and "$ref" in before and "$ref" in after:
        if before["$ref"] != after["$ref"]:
            rep.changed.append(f"{where}: {shape(before)} -> {shape(after)}")
        return  # the component itself is compared once, under its own name
    if shape(before) != shape(after) and not ("$ref" in after and "$ref" not in before):
        rep.changed.append(f"{where}: {shape(before)} -> {shape(after)}")
    elif "$ref" in after and "$ref" not in before:
        rep.gained.append(f"{where}: inline {shape(before)} -> {shape(after)}")
    b = unwrap_null(resolve(before_doc, before)) if "$ref" not in before else {}
    a = unwrap_null(resolve(after_doc, unwrap_null(after)))
    if "allOf" in a and "allOf" not in b and "allOf" in (before or {}):
        pass
    bprops = b.get("properties", {})
    aprops = a.get("properties", {})
    if "allOf" in a:
        for part in a["allOf"]:
            aprops = {**aprops, **resolve(after_doc, part).get("properties", {})}
    if "allOf" in b:
        for part in b["allOf"]:
            bprops = {**bprops, **resolve(before_doc, part).get("properties", {})}
    breq = set(b.get("required", []))
    areq = set(a.get("required", []))
    if "allOf" in a:
        for part in a["allOf"]:
            areq |= set(resolve(after_doc, part).get("required", []))
    if "allOf" in b:
        for part in b["allOf"]:
            breq |= set(resolve(before_doc, part).get("required", []))
    for name in sorted(set(bprops) - set(aprops)):
        rep.lost.append(f"{where}.{name}: property no longer described")
    for name in sorted(set(aprops) - set(bprops)):
        rep.gained.append(f"{where}.{name}: new property {shape(aprops[name])}")
    for name in sorted(breq - areq):
        rep.changed.append(f"{where}.{name}: no longer required")
    for name in sorted(areq - breq):
        rep.gained.append(f"{where}.{name}: now required")
    if b.get("additionalProperties") is False and a.get("additionalProperties") is not False:
        rep.changed.append(f"{where}: additionalProperties false dropped")
    for name in sorted(set(bprops) & set(aprops)):
        compare_schema(before_doc, after_doc, bprops[name], aprops[name], f"{where}.{name}", rep, depth + 1)


def compare(before, after, rep):
    bpaths, apaths = before.get("paths", {}), after.get("paths", {})
    for path in sorted(set(bpaths) - set(apaths)):
        rep.lost.append(f"path {path}")
    for path in sorted(set(apaths) - set(bpaths)):
        rep.gained.append(f"path {path}")
    for path in sorted(set(bpaths) & set(apaths)):
        for method in sorted(set(bpaths[path]) | set(apaths[path])):
            bop, aop = bpaths[path].get(method), apaths[path].get(method)
            where = f"{method.upper()} {path}"
            if aop is None:
                rep.lost.append(f"operation {where}")
                continue
            if bop is None:
                rep.gained.append(f"operation {where}")
                continue
            for key in ("operationId", "summary", "security", "x-min-role"):
                if bop.get(key) != aop.get(key):
                    rep.changed.append(f"{where} {key}: {bop.get(key)!r} -> {aop.get(key)!r}")
            bparams = {(p["name"], p["in"]): p for p in bop.get("parameters", [])}
            aparams = {(p["name"], p["in"]): p for p in aop.get("parameters", [])}
            for k in sorted(set(bparams) - set(aparams)):
                rep.lost.append(f"{where} parameter {k[1]} {k[0]}")
            for k in sorted(set(aparams) - set(bparams)):
                rep.gained.append(f"{where} parameter {k[1]} {k[0]}")
            for k in sorted(set(bparams) & set(aparams)):
                bp, ap = bparams[k], aparams[k]
                if bp.get("required", False) != ap.get("required", False):
                    rep.changed.append(f"{where} parameter {k[0]} required {bp.get('required')} -> {ap.get('required')}")
                if bp.get("description") != ap.get("description"):
                    rep.changed.append(f"{where} parameter {k[0]} description")
                compare_schema(before, after, bp.get("schema", {}), ap.get("schema", {}), f"{where} parameter {k[0]}", rep)
            brb, arb = bop.get("requestBody"), aop.get("requestBody")
            if brb and not arb:
                rep.lost.append(f"{where} requestBody")
            elif brb and arb:
                if brb.get("required", False) != arb.get("required", False):
                    rep.changed.append(f"{where} requestBody required {brb.get('required')} -> {arb.get('required')}")
                for ct in sorted(set(brb.get("content", {})) - set(arb.get("content", {}))):
                    rep.lost.append(f"{where} requestBody {ct}")
                for ct in sorted(set(brb.get("content", {})) & set(arb.get("content", {}))):
                    compare_schema(before, after, brb["content"][ct].get("schema", {}), arb["content"][ct].get("schema", {}), f"{where} requestBody {ct}", rep)
            bres, ares = bop.get("responses", {}), aop.get("responses", {})
            for code in sorted(set(bres) - set(ares)):
                rep.lost.append(f"{where} response {code}")
            for code in sorted(set(ares) - set(bres)):
                rep.gained.append(f"{where} response {code}")
            for code in sorted(set(bres) & set(ares)):
                br, ar = bres[code], ares[code]
                if br.get("description") != ar.get("description"):
                    rep.changed.append(f"{where} {code} description: {br.get('description')!r} -> {ar.get('description')!r}")
                for h in sorted(set(br.get("headers", {})) - set(ar.get("headers", {}))):
                    rep.lost.append(f"{where} {code} header {h}")
                bc, ac = br.get("content", {}), ar.get("content", {})
                for ct in sorted(set(bc) - set(ac)):
                    rep.lost.append(f"{where} {code} content {ct}")
                for ct in sorted(set(ac) - set(bc)):
                    rep.gained.append(f"{where} {code} content {ct}")
                for ct in sorted(set(bc) & set(ac)):
                    bs, as_ = bc[ct].get("schema", {}), ac[ct].get("schema", {})
                    if shape(bs) != shape(as_):
                        rep.changed.append(f"{where} {code} {ct}: {shape(bs)} -> {shape(as_)}")
    bs = before.get("components", {}).get("schemas", {})
    as_ = after.get("components", {}).get("schemas", {})
    for name in sorted(set(bs) - set(as_)):
        rep.lost.append(f"schema {name}")
    for name in sorted(set(as_) - set(bs)):
        rep.gained.append(f"schema {name}: {shape(as_[name])}")
    for name in sorted(set(bs) & set(as_)):
        compare_schema(before, after, bs[name], as_[name], f"schema {name}", rep)
    for key in ("openapi", "info", "security"):
        if before.get(key) != after.get(key):
            rep.changed.append(f"{key}: {before.get(key)!r} -> {after.get(key)!r}")
    if before.get("components", {}).get("securitySchemes") != after.get("components", {}).get("securitySchemes"):
        rep.changed.append("securitySchemes")


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    before, after = load(args[0]), load(args[1])
    rep = Report()
    compare(before, after, rep)
    n_ops = lambda d: sum(len(v) for v in d.get("paths", {}).values())
    print(
        f"before: {len(before.get('paths', {}))} paths, {n_ops(before)} operations, "
        f"{len(before.get('components', {}).get('schemas', {}))} schemas; "
        f"after: {len(after.get('paths', {}))} paths, {n_ops(after)} operations, "
        f"{len(after.get('components', {}).get('schemas', {}))} schemas"
    )
    rep.out()
    if "--strict" in argv and rep.lost:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
