"""A CleanRL-style plain loop (REINFORCE on Parametric CartPole) whose tasks come from a shared
teacher service: several learner processes, one ALP-GMM actor. Run it with
``python docs/examples/plain_loop_service.py`` (needs ``pip install 'autocurriculum[ray]'``).
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import ray
import torch

import autocurriculum.environments  # noqa: F401 - registers the env ids
from autocurriculum.environments.parametric_cartpole import cartpole_task_space
from autocurriculum.teachers import ALPGMM
from autocurriculum.teachers.service import TeacherClient, serve_teacher


def learner(service: object, seed: int, episodes: int, gamma: float = 0.99) -> dict[str, float]:
    """One learner: a linear softmax policy trained by REINFORCE, one episode per lesson."""
    env = gym.make("autocurriculum/ParametricCartPole-v0")
    teacher = TeacherClient(service, batch=8)  # lessons prefetched 8 at a time, outcomes batched
    gen = torch.Generator().manual_seed(seed)
    policy = torch.nn.Linear(4, 2)
    optim = torch.optim.Adam(policy.parameters(), lr=1e-2)
    returns = []
    for episode in range(episodes):
        lesson = teacher.sample()
        obs, _ = env.reset(seed=seed * 100_000 + episode, options={"task": lesson.task})
        log_probs, rewards, done = [], [], False
        while not done:
            probs = torch.softmax(policy(torch.as_tensor(obs, dtype=torch.float32)), -1)
            action = int(torch.multinomial(probs, 1, generator=gen))
            log_probs.append(torch.log(probs[action]))
            obs, reward, terminated, truncated, _ = env.step(action)
            rewards.append(float(reward))
            done = terminated or truncated
        discounted = np.zeros(len(rewards))
        running = 0.0
        for t in reversed(range(len(rewards))):
            running = rewards[t] + gamma * running
            discounted[t] = running
        advantage = torch.as_tensor((discounted - discounted.mean()) / (discounted.std() + 1e-8), dtype=torch.float32)
        loss = -(torch.stack(log_probs) * advantage).sum()
        optim.zero_grad()
        loss.backward()
        optim.step()
        teacher.update(lesson, sum(rewards))  # buffered: no round trip per episode
        returns.append(sum(rewards))
    teacher.flush()
    return {"episodes": float(episodes), "mean_return": float(np.mean(returns)), "blocking": float(teacher.n_blocking)}


if __name__ == "__main__":
    ray.init(num_cpus=2)
    service = serve_teacher(ALPGMM(cartpole_task_space(), return_bounds=(0, 500), seed=0), num_cpus=0)
    remote_learner = ray.remote(num_cpus=1)(learner)
    print(ray.get([remote_learner.remote(service, seed, 200) for seed in range(4)]))
    print(ray.get(service.metrics.remote()))
