café;
