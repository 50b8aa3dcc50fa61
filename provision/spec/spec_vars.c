/* spec_vars.c — ${name} substitution.
 *
 * Variables: the built-ins stack, region and env (env defaults to "dev"), those the spec
 * declares under vars:, and --var overrides of either env or a declared one. Values are
 * literal text: a value cannot refer to another variable, so there is no order to get wrong
 * and no cycle. ${account} is built in too but unknown offline; it stays in the text (and its
 * template is kept) until spec_bind_account(). "$${" writes a literal "${". */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/aws/buf.h"
#include "provision/spec/spec_int.h"
#include "provision/spec/suggest.h"

static const char *const builtin_fixed[] = {"stack", "region", "account"};

static int is_builtin_fixed(const char *name)
{
    for (size_t i = 0; i < sizeof builtin_fixed / sizeof builtin_fixed[0]; i++)
        if (strcmp(builtin_fixed[i], name) == 0)
            return 1;
    return 0;
}

static int valid_var_name(const char *v, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)v[0]) || v[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)v[i]) || v[i] == '_'))
            return 0;
    return 1;
}

/* Variable names are case-sensitive, so this replaces by exact name (kvlist_set does not). */
static void set_var(struct rd *r, const char *name, const char *value)
{
    struct kvlist *l = &r->s->vars;
    for (size_t i = 0; i < l->len; i++) {
        if (strcmp(l->items[i].name, name) == 0) {
            char *v = strdup(value);
            if (!v) {
                r->oom = 1;
                return;
            }
            free(l->items[i].value);
            l->items[i].value = v;
            return;
        }
    }
    if (kvlist_add(l, name, value) < 0)
        r->oom = 1;
}

static void builtin_reason(struct rd *r, struct spec_loc at, const char *name, const char *how)
{
    if (strcmp(name, "account") == 0)
        rd_err(r, at, "%s 'account': it is built in, the id of the AWS account pipewright runs "
               "against", how);
    else
        rd_err(r, at, "%s '%s': it is built in; set the top-level '%s' key instead", how, name,
               name);
}

static void load_declared(struct rd *r, const struct sect *root)
{
    const struct ypair *p = rd_get(root, "vars");
    struct sect vs;
    if (!p || rd_section(r, p, "'vars'", NULL, &vs) < 0 || !vs.map)
        return;
    for (size_t i = 0; i < vs.map->n_pairs; i++) {
        const struct ynode *k = vs.map->pairs[i].key, *v = vs.map->pairs[i].value;
        if (!valid_var_name(k->value, k->len)) {
            rd_err(r, k->loc, "invalid variable name '%s': use letters, digits and '_', not "
                   "starting with a digit", k->value);
            continue;
        }
        if (is_builtin_fixed(k->value)) {
            builtin_reason(r, k->loc, k->value, "cannot declare variable");
            continue;
        }
        char desc[160], got[64];
        snprintf(desc, sizeof desc, "variable '%s'", k->value);
        if (v->kind != YNODE_SCALAR) {
            rd_err(r, v->loc, "%s must be a string, not %s", desc, ynode_describe(v, got, sizeof got));
            continue;
        }
        if (strstr(v->value, "${")) {
            rd_err(r, v->loc, "%s refers to another variable; variable values are literal text",
                   desc);
            continue;
        }
        set_var(r, k->value, ynode_is_null(v) ? "" : v->value);
    }
}

/* A --var has no place in the file; its errors point at vars: (where it should be declared),
 * or carry no position when the spec has no vars: at all. */
static void apply_overrides(struct rd *r, const struct sect *root, const struct kvlist *o)
{
    const struct ypair *vp = rd_get(root, "vars");
    struct spec_loc at = vp ? vp->key->loc : (struct spec_loc){0, 0, 0};
    const struct kvlist *vars = &r->s->vars;
    for (size_t i = 0; o && i < o->len; i++) {
        const char *name = o->items[i].name, *value = o->items[i].value;
        if (is_builtin_fixed(name)) {
            builtin_reason(r, at, name, "--var cannot set");
            continue;
        }
        if (!kvlist_get(vars, name)) {
            const char *names[64];
            size_t n = 0;
            for (size_t j = 0; j < vars->len && n < 64; j++)
                if (!is_builtin_fixed(vars->items[j].name))
                    names[n++] = vars->items[j].name;
            const char *near = suggest_closest(name, names, n);
            if (near)
                rd_err(r, at, "--var '%s' sets a variable the spec does not declare; did you "
                       "mean '%s'?", name, near);
            else
                rd_err(r, at, "--var '%s' sets a variable the spec does not declare; declare it "
                       "under 'vars'", name);
            continue;
        }
        if (strstr(value, "${")) {
            rd_err(r, at, "--var '%s' refers to another variable; variable values are literal "
                   "text", name);
            continue;
        }
        set_var(r, name, value);
    }
}

void vars_load(struct rd *r, const struct sect *root, const struct kvlist *overrides)
{
    struct spec *s = r->s;
    set_var(r, "stack", s->stack.v);
    set_var(r, "region", s->region.v);
    set_var(r, "env", "dev");
    load_declared(r, root);
    apply_overrides(r, root, overrides);
    const char *env = kvlist_get(&s->vars, "env");
    const struct ypair *vp = rd_get(root, "vars");
    s->env.v = rd_str_or_oom(r, spec_strdup(s, env ? env : "dev"));
    s->env.loc = vp ? vp->key->loc : root->loc;
}

const char *vars_render(struct spec *s, const char *tmpl, const char *account)
{
    struct buf b;
    const char *out = NULL;
    buf_init(&b, 0);
    for (const char *p = tmpl; *p;) {
        if (strncmp(p, "$${", 3) == 0) {
            buf_appends(&b, "${");
            p += 3;
        } else if (account && strncmp(p, "${account}", 10) == 0) {
            buf_appends(&b, account);
            p += 10;
        } else {
            buf_appendc(&b, *p++);
        }
    }
    out = spec_strdup(s, buf_cstr(&b));
    buf_release(&b);
    return out;
}

int vars_expand(struct rd *r, const struct ynode *n, const char *desc, struct spec_str *out)
{
    const char *v = n->value;
    struct buf t;
    int rc = 0, deferred = 0, escaped = 0;
    buf_init(&t, 0);
    for (size_t i = 0; v[i];) {
        if (strncmp(v + i, "$${", 3) == 0) {
            buf_appends(&t, "$${");
            escaped = 1;
            i += 3;
            continue;
        }
        if (strncmp(v + i, "${", 2) != 0) {
            buf_appendc(&t, v[i++]);
            continue;
        }
        const char *close = strchr(v + i + 2, '}');
        if (!close) {
            rd_err(r, ytree_loc_in(r->t, n, i, (int)strlen(v + i)),
                   "unterminated '${' in %s; write '$${' for a literal '${'", desc);
            rc = -1;
            break;
        }
        const char *name = v + i + 2;
        size_t nlen = (size_t)(close - name), width = nlen + 3;
        struct spec_loc at = ytree_loc_in(r->t, n, i, (int)width);
        char nm[128];
        snprintf(nm, sizeof nm, "%.*s", (int)(nlen < 100 ? nlen : 100), name);
        if (!valid_var_name(name, nlen)) {
            rd_err(r, at, "invalid variable reference '${%s}' in %s", nm, desc);
            rc = -1;
        } else if (strcmp(nm, "account") == 0) {
            buf_appends(&t, "${account}");
            deferred = 1;
        } else if (kvlist_get(&r->s->vars, nm)) {
            buf_appends(&t, kvlist_get(&r->s->vars, nm));
        } else {
            const char *names[64];
            size_t k = 0;
            for (size_t j = 0; j < r->s->vars.len && k < 63; j++)
                names[k++] = r->s->vars.items[j].name;
            names[k++] = "account";
            const char *near = suggest_closest(nm, names, k);
            if (near)
                rd_err(r, at, "undefined variable '%s' in %s; did you mean '%s'?", nm, desc, near);
            else
                rd_err(r, at, "undefined variable '%s' in %s", nm, desc);
            rc = -1;
        }
        i += width;
    }
    out->loc = n->loc;
    if (rc == 0) {
        const char *tmpl = spec_strdup(r->s, buf_cstr(&t));
        out->tmpl = deferred ? rd_str_or_oom(r, tmpl) : NULL;
        out->v = rd_str_or_oom(r, escaped || deferred ? vars_render(r->s, buf_cstr(&t), NULL) : tmpl);
    }
    buf_release(&t);
    return rc;
}

void vars_generated(struct rd *r, const char *text, struct spec_loc loc, struct spec_str *out)
{
    out->v = rd_str_or_oom(r, text ? spec_strdup(r->s, text) : NULL);
    out->tmpl = strstr(text, "${account}") ? out->v : NULL;
    out->loc = loc;
}

const char *vars_check_text(struct rd *r, const struct spec_str *str)
{
    if (!str->tmpl)
        return str->v;
    return rd_str_or_oom(r, vars_render(r->s, str->tmpl, SPEC_ACCOUNT_PLACEHOLDER));
}
