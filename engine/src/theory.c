#include "qnn/theory.h"

#include <math.h>

double qnn_theory_mean_qntk(double D, double L, double gamma, double trO, double trO2)
{
    return 2.0 * L * gamma * gamma * (D * trO2 - trO * trO) / ((D + 1.0) * (D * D - 1.0));
}

double qnn_theory_mean_qntk_spec(double D, double L, double gamma, double trO, double trO2)
{
    return 2.0 * L * gamma * gamma * ((D * D - D - 1.0) * trO2 + trO * trO)
           / (D * (D + 1.0) * (D * D - 1.0));
}

double qnn_theory_mean_qntk_leading(double D, double L, double gamma, double trO2)
{
    return 2.0 * L * gamma * gamma * trO2 / (D * D);
}

double qnn_theory_mean_qntk_printed(double D, double L, double trO2)
{
    return L * trO2 / (D * D);
}

double qnn_theory_qntk_rel_std(double L, double trO2, double trO4)
{
    return sqrt((2.0 + 3.0 * trO4 / (trO2 * trO2)) / L);
}

double qnn_theory_dqntk_ratio(double D, double eta, double gamma, double eps0, double trO2)
{
    return 0.5 * sqrt(32.0) * eta * fabs(eps0) * gamma * sqrt(trO2) / D;
}

double qnn_theory_lambda_min_mean_kernel(double D, double L, double A, double gamma, double trO, double trO2)
{
    double D21 = D * D - 1.0;
    return 2.0 * L * gamma * gamma * (D - A) * (D * trO2 - trO * trO) / (D21 * D21);
}

double qnn_theory_lambda_bulk_mean_kernel(double D, double L, double gamma, double trO, double trO2)
{
    double D21 = D * D - 1.0;
    return 2.0 * L * gamma * gamma * D * (D * trO2 - trO * trO) / (D21 * D21);
}

double qnn_theory_eps_exp(double eps0, double eta, double Kbar, double t)
{
    return eps0 * exp(-eta * Kbar * t);
}

double qnn_theory_loss_exp(double loss0, double decay)
{
    return loss0 * decay * decay;
}

double qnn_theory_noise_floor(double eta, double K, double sigma)
{
    return sigma * sigma / (eta * (2.0 - eta * K));
}

double qnn_theory_noise_abs_eps(double eta, double K, double sigma)
{
    return sqrt(2.0 / M_PI) * sigma / sqrt(2.0 * eta - eta * eta * K);
}

double qnn_theory_noise_time(double eps0, double eta, double K, double sigma)
{
    double e2 = eps0 * eps0;
    return log(sigma / sqrt(2.0 * e2 * eta - e2 * eta * eta * K + sigma * sigma)) / log(1.0 - eta * K);
}

double qnn_theory_noise_drift_rate(double sigma, double L, double D)
{
    return sigma * sigma * L * D * D / (D * D - 1.0);
}

double qnn_theory_noise_drift_target(double gamma, double trO, double D, double O0)
{
    return gamma * trO / D - O0;
}

void qnn_theory_noise_moments_step(double *m, double *v, double eta, double K, double Kn, double sigma,
                                   double c, double Delta)
{
    double f = 1.0 - eta * K - c;
    *m = f * *m + c * Delta;
    *v = f * f * *v + sigma * sigma * Kn;
}

double qnn_theory_abs_normal_mean(double m, double v)
{
    if (!(v > 0.0))
        return fabs(m);
    double s = sqrt(v);
    return s * sqrt(2.0 / M_PI) * exp(-m * m / (2.0 * v)) + m * erf(m / (s * sqrt(2.0)));
}

double qnn_theory_noise_abs_eps_drift(double eta, double K, double sigma, double c, double Delta)
{
    double a = eta * K + c;
    return qnn_theory_abs_normal_mean(c * Delta / a, sigma * sigma * K / (a * (2.0 - a)));
}

double qnn_theory_sublinear_bound(double loss0, double eta, double H_op2_sum, double t)
{
    double c0 = 1.0 / sqrt(loss0), c1 = 12.0 * eta * H_op2_sum;
    double v = c0 + c1 * t;
    return 1.0 / (v * v);
}

double qnn_theory_one_sample_kernel(double gamma, double yhat)
{
    return 2.0 * (gamma * gamma - yhat * yhat);
}

double qnn_theory_global_min_kernel(double gamma)
{
    return 2.0 * gamma * gamma * (1.0 - 1.0 / (gamma * gamma));
}

double qnn_theory_asymptotic_time(double steps, double eta, double p, double m)
{
    return steps * eta * p / m;
}
