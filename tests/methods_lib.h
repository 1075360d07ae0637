/* The entry points tests/methods.c compares between two builds of the implementation (see
   methods_impl.c). */
#ifndef DGT_METHODS_LIB_H
#define DGT_METHODS_LIB_H
typedef struct dgt_methods_lib {
    size_t (*estimator_reals)(const dg_config *cfg, const dg_problem *shape);
    int (*init)(dg_estimator *e, const dg_config *cfg, dg_real *memory, size_t count);
    int (*estimate)(dg_estimator *e, const dg_problem *p, dg_real *grad, dg_info *info);
    size_t (*draw_reals)(const dg_estimator *e, const dg_problem *p);
    int (*ask)(dg_estimator *e, const dg_problem *p, dg_draw *d, dg_real *memory, size_t count);
    int (*tell)(dg_estimator *e, dg_draw *d, const dg_problem *p, const dg_real *values,
                const dg_real *grads, dg_real *grad, dg_info *info);
    int (*commit)(dg_estimator *e);
    int (*relaxed_grad_at)(dg_estimator *e, const dg_problem *p, const dg_real *noise,
                           const dg_real *cond_noise, dg_real *grad, dg_info *info);
} dgt_methods_lib;
extern const dgt_methods_lib dgt_all_methods, dgt_three_methods;
#endif
