/* Placeholder until the configuration loader lands (issue 2, in progress). */
#include "provision/aws/config.h"

int aws_config_load(struct aws_config *cfg, const struct aws_config_options *o, char *const *envp,
                    struct pw_error *err)
{
    (void)cfg; (void)o; (void)envp;
    return pw_fail(err, PW_EXIT_FAILED, "configuration loading is not built yet");
}

void aws_config_release(struct aws_config *cfg)
{
    (void)cfg;
}
