"""Week 20: diffusion from text prompts, a pretrained face GAN, prompt engineering, storybooks."""
