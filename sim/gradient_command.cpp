#include "sim/gradient_command.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>

#include "analysis/surrogate.hpp"
#include "sim/command_support.hpp"
#include "sim/output_file.hpp"

namespace apical {

int gradient_command(const GradientArgs& args) {
  return exit_code_of("gradient", [&] {
    auto t_start = std::chrono::steady_clock::now();
    SurrogateCase c = read_surrogate_case(args.case_file);
    SurrogateResult r = surrogate_gradient(c, args.threads);
    const SurrogateParams& p = c.params;

    OutputFile out(args.output);
    out.write_array("/loss", std::vector<double>{r.loss}, h5::Shape{});
    out.write_matrix("/grad/W1", r.dW1, p.n_in, p.n_hid);
    if (p.recurrent) out.write_matrix("/grad/V", r.dV, p.n_hid, p.n_hid);
    out.write_matrix("/grad/W2", r.dW2, p.n_hid, p.n_out);
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    out.write_attributes(
        "/grad",
        {{"case", args.case_file},
         {"loss_kind", p.loss == SurrogateLoss::classification ? "classification" : "regression"},
         {"surrogate_scale", p.surrogate_scale},
         {"B", static_cast<std::int64_t>(p.B)},
         {"T", static_cast<std::int64_t>(p.T)},
         {"threads", static_cast<std::int64_t>(args.threads)},
         {"apical_version", APICAL_VERSION},
         {"wall_time_s", wall}});
    out.set_status("complete");
    out.close();

    std::printf("apical gradient: %s: loss %.17g, B = %zu, T = %zu, %zu-%zu-%zu%s, %.3f s -> %s\n",
                args.case_file.c_str(), r.loss, p.B, p.T, p.n_in, p.n_hid, p.n_out,
                p.recurrent ? " recurrent" : "", wall, args.output.c_str());
    return 0;
  }, "input error");
}

}  // namespace apical
