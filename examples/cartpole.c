/* cartpole.c - policy gradient on CartPole-v1 through ask, tell and commit.

   The environment is CartPole-v1 as Gym defines it: gravity 9.8, cart mass 1.0, pole mass 0.1,
   pole half-length 0.5, force 10, Euler steps of 0.02 s, the episode ends when the pole leans
   past 12 degrees or the cart leaves +-2.4, or after 500 steps; reward 1 per step; the start
   state uniform in +-0.05. The policy is linear: P(push right | s) = sigmoid(w . (s, 1)).

   Each step asks the estimator for the action (a draw of one Bernoulli variable at the policy's
   logit) and acts with the drawn bit; the return of a step is known only when the episode ends,
   so the steps are told then, and the learned state is committed once per episode: a baseline
   updated between the steps of one episode would average returns that depend on the actions
   it is subtracted from. Two estimators:
     nvil   REINFORCE with an NVIL baseline: b(s) = v . (s, 1), a linear value function fitted
            to the returns by the learning signal dg_tell reports, with the signal normalised.
     loo    REINFORCE with a leave-one-out baseline across the B episodes of a batch: the
            baseline of step t of episode i is the mean return at step t of the other episodes
            (independent of episode i's actions), passed as the problem's baseline_input.
   The score d log pi / d logit that dg_tell returns is chained into w by the features s; Adam
   steps w once per batch of B episodes.

   Usage: cartpole [nvil|loo] [seed] [max_episodes]
   Prints the episodes needed to solve (mean return >= 475 over 100 consecutive episodes), or
   "not solved", and exits 0 when solved. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define DISCGRAD_IMPLEMENTATION
#include "discgrad.h"

#define NF 5           /* features: x, x', theta, theta', 1 */
#define MAX_STEPS 500
#define BATCH 8        /* episodes per policy update */
#define GAMMA 0.99

typedef struct cartpole { double x, x_dot, theta, theta_dot; } cartpole;

static double unif(dg_rng *r, double lo, double hi) { return lo + (hi - lo) * (double)dg_uniform(r); }

static void cp_reset(cartpole *c, dg_rng *r)
{
    c->x = unif(r, -0.05, 0.05);
    c->x_dot = unif(r, -0.05, 0.05);
    c->theta = unif(r, -0.05, 0.05);
    c->theta_dot = unif(r, -0.05, 0.05);
}

/* One 0.02 s Euler step of Gym's CartPole-v1; returns 1 when the episode is over. */
static int cp_step(cartpole *c, int push_right)
{
    const double gravity = 9.8, masscart = 1.0, masspole = 0.1, length = 0.5, force_mag = 10.0;
    const double tau = 0.02, total_mass = masscart + masspole, polemass_length = masspole * length;
    const double theta_threshold = 12 * 2 * 3.14159265358979323846 / 360, x_threshold = 2.4;
    double force = push_right ? force_mag : -force_mag;
    double costheta = cos(c->theta), sintheta = sin(c->theta);
    double temp = (force + polemass_length * c->theta_dot * c->theta_dot * sintheta) / total_mass;
    double thetaacc = (gravity * sintheta - costheta * temp) /
                      (length * (4.0 / 3.0 - masspole * costheta * costheta / total_mass));
    double xacc = temp - polemass_length * thetaacc * costheta / total_mass;
    c->x += tau * c->x_dot;
    c->x_dot += tau * xacc;
    c->theta += tau * c->theta_dot;
    c->theta_dot += tau * thetaacc;
    return c->x < -x_threshold || c->x > x_threshold || c->theta < -theta_threshold ||
           c->theta > theta_threshold;
}

static void features(const cartpole *c, double *s)
{
    s[0] = c->x;
    s[1] = c->x_dot;
    s[2] = c->theta;
    s[3] = c->theta_dot;
    s[4] = 1;
}

typedef struct adam { double m[NF], v[NF]; long t; } adam;

static void adam_ascend(adam *a, double *w, const double *g, double lr)
{
    int i;
    a->t++;
    for (i = 0; i < NF; ++i) {
        a->m[i] = 0.9 * a->m[i] + 0.1 * g[i];
        a->v[i] = 0.999 * a->v[i] + 0.001 * g[i] * g[i];
        w[i] += lr * (a->m[i] / (1 - pow(0.9, (double)a->t))) /
                (sqrt(a->v[i] / (1 - pow(0.999, (double)a->t))) + 1e-8);
    }
}

/* What one episode keeps until it is told: each step's draw, the logit it was asked at, its
   features, and its return. */
typedef struct episode {
    int len;
    dg_draw draw[MAX_STEPS];
    dg_real logit[MAX_STEPS];
    double s[MAX_STEPS][NF];
    double ret[MAX_STEPS];
} episode;

static episode eps[BATCH];
static dg_real draw_mem[BATCH][MAX_STEPS][DG_DRAW_REALS(DG_REINFORCE, 1, 1, 1, 1)];

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "nvil";
    int loo = strcmp(which, "loo") == 0, seed = argc > 2 ? atoi(argv[2]) : 1;
    long max_episodes = argc > 3 ? atol(argv[3]) : 5000, episodes = 0, solved_at = -1;
    dg_estimator e;
    dg_real mem[DG_ESTIMATOR_REALS(DG_REINFORCE, 1, 1)];
    dg_config cfg;
    dg_rng env_rng;
    adam opt_w, opt_v;
    double w[NF] = {0}, v[NF] = {0}, recent[100] = {0}, recent_sum = 0;
    int b, t, i;

    if (!loo && strcmp(which, "nvil") != 0) {
        fprintf(stderr, "usage: cartpole [nvil|loo] [seed] [max_episodes]\n");
        return 2;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.method = DG_REINFORCE;
    cfg.baseline = DG_BASELINE_INPUT;
    cfg.normalize = !loo;
    cfg.seed = (uint64_t)seed;
    if (dg_init(&e, &cfg, mem, sizeof mem / sizeof mem[0]) != DG_OK) return 2;
    dg_rng_seed(&env_rng, (uint64_t)seed, 99);
    memset(&opt_w, 0, sizeof opt_w);
    memset(&opt_v, 0, sizeof opt_v);

    while (episodes < max_episodes && solved_at < 0) {
        double gw[NF] = {0}, gv[NF] = {0};
        long told = 0;
        /* play a batch of episodes: ask each step's action, act with it */
        for (b = 0; b < BATCH; ++b) {
            episode *ep = &eps[b];
            cartpole c;
            cp_reset(&c, &env_rng);
            for (t = 0; t < MAX_STEPS; ++t) {
                dg_problem p;
                double z = 0;
                features(&c, ep->s[t]);
                for (i = 0; i < NF; ++i) z += w[i] * ep->s[t][i];
                ep->logit[t] = (dg_real)z;
                memset(&p, 0, sizeof p);
                p.kind = DG_BERNOULLI;
                p.D = 1;
                p.logits = &ep->logit[t];
                if (dg_ask(&e, &p, &ep->draw[t], draw_mem[b][t], DG_DRAW_REALS(DG_REINFORCE, 1, 1, 1, 1)) != DG_OK)
                    return 2;
                if (cp_step(&c, ep->draw[t].points[0] > 0)) { ++t; break; }
            }
            ep->len = t;
            /* the returns, known now: discounted reward-to-go */
            for (t = ep->len - 1; t >= 0; --t) ep->ret[t] = 1 + (t + 1 < ep->len ? GAMMA * ep->ret[t + 1] : 0);
            recent_sum += ep->len - recent[episodes % 100];
            recent[episodes % 100] = ep->len;
            episodes++;
            if (episodes >= 100 && recent_sum / 100 >= 475 && solved_at < 0) solved_at = episodes;
        }
        /* tell every step of every episode, then commit once */
        for (b = 0; b < BATCH; ++b) {
            episode *ep = &eps[b];
            for (t = 0; t < ep->len; ++t) {
                dg_problem p;
                dg_real value = (dg_real)ep->ret[t], g;
                dg_info info;
                double base = 0;
                int k, others = 0;
                if (loo) { /* the mean return at step t of the other episodes (0 past their end) */
                    for (k = 0; k < BATCH; ++k)
                        if (k != b) { base += t < eps[k].len ? eps[k].ret[t] : 0; others++; }
                    base /= others;
                } else {
                    for (i = 0; i < NF; ++i) base += v[i] * ep->s[t][i];
                }
                memset(&p, 0, sizeof p);
                p.kind = DG_BERNOULLI;
                p.D = 1;
                p.logits = &ep->logit[t];
                p.baseline_input = (dg_real)base;
                if (dg_tell(&e, &ep->draw[t], &p, &value, NULL, &g, &info) != DG_OK) return 2;
                for (i = 0; i < NF; ++i) gw[i] += (double)g * ep->s[t][i];
                /* the value function descends (G - b)^2: its gradient is -2 signal s */
                if (!loo) for (i = 0; i < NF; ++i) gv[i] += (double)info.learning_signal * ep->s[t][i];
                told++;
            }
        }
        dg_commit(&e);
        for (i = 0; i < NF; ++i) { gw[i] /= BATCH; gv[i] /= (double)told; }
        adam_ascend(&opt_w, w, gw, 0.1);
        if (!loo) adam_ascend(&opt_v, v, gv, 0.05);
    }
    if (solved_at < 0) {
        printf("cartpole %s seed %d: not solved in %ld episodes (last 100: mean return %.1f)\n",
               which, seed, episodes, recent_sum / 100);
        return 1;
    }
    printf("cartpole %s seed %d: solved after %ld episodes (mean return over the last 100 >= 475)\n",
           which, seed, solved_at);
    return 0;
}
